using System.Text.Json;
using Tokenlay.Companion;

namespace Tokenlay.Tests;

/// <summary>An answer that leaves out a list gives an empty list, never null: a server may omit what is empty.</summary>
public class AbsentFieldsTests
{
    [Fact]
    public void Lists_left_out_of_an_answer_read_as_empty()
    {
        TokenlayCheckResult check = JsonSerializer.Deserialize("{}", TokenlayJsonContext.Default.TokenlayCheckResult)!;
        TokenlayUsage usage = JsonSerializer.Deserialize("{}", TokenlayJsonContext.Default.TokenlayUsage)!;
        TokenlayLogPage page = JsonSerializer.Deserialize("{}", TokenlayJsonContext.Default.TokenlayLogPage)!;

        Assert.NotNull(check.Warnings);
        Assert.NotNull(check.Limits);
        Assert.NotNull(usage.ByModel);
        Assert.NotNull(usage.ByUser);
        Assert.NotNull(usage.Daily);
        Assert.NotNull(usage.UnknownModels);
        Assert.NotNull(usage.Totals);
        Assert.NotNull(page.Data);
    }
}
