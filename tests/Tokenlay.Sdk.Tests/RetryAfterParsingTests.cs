namespace Tokenlay.Tests;

/// <summary>The one Retry-After parser both retry layers (pipeline and hosted Polly) use.</summary>
public class RetryAfterParsingTests
{
    [Theory]
    [InlineData("30", null, 30_000)]
    [InlineData(" 1.5 ", null, 1_500)]
    [InlineData("0", null, 0)]
    [InlineData(null, "250", 250)]
    [InlineData("30", "250", 250)]   // the finer OpenAI header wins
    [InlineData("-5", null, null)]
    [InlineData("soon", null, null)]
    [InlineData("", null, null)]
    [InlineData(null, null, null)]
    public void Seconds_and_milliseconds_are_read_and_nonsense_is_ignored(string? retryAfter, string? milliseconds, int? expectedMs)
    {
        TimeSpan? parsed = TokenlayErrorFactory.ParseRetryAfter(retryAfter, milliseconds);

        Assert.Equal(expectedMs is null ? null : TimeSpan.FromMilliseconds(expectedMs.Value), parsed);
    }

    [Fact]
    public void An_http_date_is_read_as_the_time_left_and_a_past_date_as_zero()
    {
        TimeSpan? ahead = TokenlayErrorFactory.ParseRetryAfter(DateTimeOffset.UtcNow.AddMinutes(2).ToString("r"), null);
        TimeSpan? past = TokenlayErrorFactory.ParseRetryAfter(DateTimeOffset.UtcNow.AddMinutes(-2).ToString("r"), null);

        Assert.InRange(ahead!.Value.TotalSeconds, 110, 121);
        Assert.Equal(TimeSpan.Zero, past);
    }
}
