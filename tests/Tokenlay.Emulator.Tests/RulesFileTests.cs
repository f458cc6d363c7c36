using Tokenlay.Emulator.Hosting;
using Tokenlay.Emulator.Rules;

namespace Tokenlay.Emulator.Tests;

public class RulesFileTests
{
    [Theory]
    [InlineData("""{ "id": "x" }""", "needs 'rules'")]
    [InlineData("""[ { "id": "r1", "then": {} } ]""", "rule 'r1' (#1): 'if' is missing")]
    [InlineData("""[ { "id": "r1", "if": {} } ]""", "rule 'r1' (#1): 'then' is missing")]
    [InlineData("""[ { "id": "r1", "if": { "plan": { "like": "p" } }, "then": {} } ]""", "unknown operator 'like'")]
    [InlineData("""[ { "id": "r1", "if": { "plan": { "in": "p" } }, "then": {} } ]""", "if.plan.in must be an array")]
    [InlineData("""[ { "id": "r1", "if": {}, "then": { "limits": [ { "type": "requests", "max": 5, "window": "week" } ] } } ]""", "then.limits[0].window must be one of minute, hour, day, month, year, total (got 'week')")]
    [InlineData("""[ { "id": "r1", "if": {}, "then": { "limits": [ { "type": "bytes", "max": 5 } ] } } ]""", "then.limits[0].type must be one of")]
    [InlineData("""[ { "id": "r1", "if": {}, "then": { "limits": [ { "type": "requests", "max": 0 } ] } } ]""", "then.limits[0].max must be greater than 0")]
    [InlineData("""[ { "id": "r1", "if": {}, "then": { "on_limit_exceeded": { "action": "downgrade" } } } ]""", "downgrade_to is required")]
    [InlineData("""[ { "id": "r1", "if": {}, "then": { "action": "explode" } } ]""", "then.action must be one of allow, block, warn, queue")]
    [InlineData("""[ { "id": "a", "if": {}, "then": {} }, { "id": "a", "if": {}, "then": {} } ]""", "the id 'a' is used twice")]
    [InlineData("""[ { "id": "r1", "if": {}, "then": {} }, ]x""", "not valid JSON")]
    public void An_invalid_rules_file_fails_with_a_message_naming_the_rule_and_field(string json, string expected)
    {
        var error = Assert.Throws<RulesFileException>(() => RuleSet.Parse(json, "rules.json"));

        Assert.Contains(expected, error.Message);
        Assert.StartsWith("rules.json", error.Message);
    }

    [Fact]
    public void The_command_line_reports_a_bad_rules_file_and_unknown_options_without_starting()
    {
        string path = Path.Combine(Path.GetTempPath(), $"rules-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """[ { "id": "broken", "if": {}, "then": { "limits": [ { "type": "tokens" } ] } } ]""");
        try
        {
            (TokenlayEmulatorOptions? options, string? error, _) = EmulatorCommandLine.Parse(["--rules", path]);
            Assert.Null(options);
            Assert.Contains("rule 'broken'", error);
            Assert.Contains("max is required", error);
        }
        finally
        {
            File.Delete(path);
        }

        Assert.Contains("Unknown option '--prot'", EmulatorCommandLine.Parse(["--prot", "1"]).Error);
        Assert.Contains("--urls needs a URL", EmulatorCommandLine.Parse(["--urls"]).Error);
        Assert.True(EmulatorCommandLine.Parse(["--help"]).Help);
        TokenlayEmulatorOptions parsed = EmulatorCommandLine.Parse(["--key", "k1", "--forward", "--max-body-bytes", "1000"]).Options!;
        Assert.Equal("k1", parsed.Key);
        Assert.True(parsed.Forward);
        Assert.Equal(1000, parsed.MaxRequestBodyBytes);
    }
}
