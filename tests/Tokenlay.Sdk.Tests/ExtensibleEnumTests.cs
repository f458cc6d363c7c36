using System.Text.Json;
using Tokenlay.Companion;

namespace Tokenlay.Tests;

/// <summary>Open-ended wire values are extensible enums (issue 26): known names as members, unknown ones kept as sent.</summary>
public class ExtensibleEnumTests
{
    [Fact]
    public void A_limit_status_reads_its_type_and_window_as_typed_values_and_keeps_an_unknown_one()
    {
        const string Json = """
            {"allowed":true,"limits":[
              {"type":"COST","window":"day","per":"user","key":"ann","current":1,"max":5,"remaining":4},
              {"type":"gpu_seconds","window":"fortnight","per":"org","key":"acme","current":0,"max":9,"remaining":9}]}
            """;

        TokenlayCheckResult check = JsonSerializer.Deserialize(Json, TokenlayJsonContext.Default.TokenlayCheckResult)!;

        Assert.Equal(TokenlayLimitType.Cost, check.Limits[0].Type); // names compare ignoring case
        Assert.Equal(TokenlayLimitWindow.Day, check.Limits[0].Window);
        Assert.Equal("gpu_seconds", check.Limits[1].Type.ToString());
        Assert.Equal(new TokenlayLimitWindow("fortnight"), check.Limits[1].Window);
        Assert.Equal(4m, check.Remaining(TokenlayLimitType.Cost));
        Assert.Null(check.Remaining(TokenlayLimitType.Tokens));
    }

    [Fact]
    public void A_missing_or_empty_value_reads_as_null_not_an_error()
    {
        TokenlayCheckResult check = JsonSerializer.Deserialize("""{"allowed":true,"limits":[{"type":null,"per":"user"}]}""", TokenlayJsonContext.Default.TokenlayCheckResult)!;

        Assert.Null(check.Limits[0].Type);
        Assert.Null(check.Limits[0].Window);
        Assert.Throws<ArgumentException>(() => new TokenlayReservationStatus(""));
    }

    [Fact]
    public async Task A_reservation_from_the_model_factory_is_active_and_released_once_disposed()
    {
        TokenlayReservation reservation = TokenlayModelFactory.Reservation("rsv_1");

        Assert.Equal(TokenlayReservationStatus.Active, reservation.Status);
        await reservation.ReleaseAsync();
        Assert.Equal(TokenlayReservationStatus.Released, reservation.Status);
    }
}
