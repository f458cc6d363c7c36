using System.Text.Json.Nodes;
using Tokenlay.Emulator.Rules;

namespace Tokenlay.Emulator.Tests;

public class ConditionTests
{
    private static readonly Dictionary<string, object?> Context = new()
    {
        ["plan"] = "pro", ["user"] = "user_42", ["feature"] = "chat", ["usage.cost"] = 45.5m, ["usage.requests"] = 50L, ["admin"] = "true",
    };

    [Theory]
    [InlineData("""{ "plan": "pro" }""", true)]
    [InlineData("""{ "plan": "free" }""", false)]
    [InlineData("""{ "plan": "pro", "feature": "chat" }""", true)]
    [InlineData("""{ "plan": "pro", "feature": "search" }""", false)]
    [InlineData("""{ "usage.cost": { "gte": 45.5 } }""", true)]
    [InlineData("""{ "usage.cost": { "gt": 45.5 } }""", false)]
    [InlineData("""{ "usage.requests": { "lt": 100, "gte": 50 } }""", true)]
    [InlineData("""{ "usage.requests": { "lte": 49 } }""", false)]
    [InlineData("""{ "feature": { "in": ["chat", "completion"] } }""", true)]
    [InlineData("""{ "feature": { "nin": ["chat"] } }""", false)]
    [InlineData("""{ "plan": { "eq": "pro" } }""", true)]
    [InlineData("""{ "plan": { "neq": "pro" } }""", false)]
    [InlineData("""{ "user": { "startsWith": "user_" } }""", true)]
    [InlineData("""{ "user": { "endsWith": "_42" } }""", true)]
    [InlineData("""{ "user": { "contains": "r_4" } }""", true)]
    [InlineData("""{ "user": { "contains": "zz" } }""", false)]
    [InlineData("""{ "admin": true }""", true)]
    [InlineData("""{ "and": [ { "plan": "pro" }, { "usage.cost": { "lt": 1000 } } ] }""", true)]
    [InlineData("""{ "or": [ { "plan": "enterprise" }, { "feature": "chat" } ] }""", true)]
    [InlineData("""{ "or": [ { "plan": "enterprise" }, { "feature": "x" } ] }""", false)]
    [InlineData("""{ "not": { "plan": "free" } }""", true)]
    [InlineData("""{ "missing": "x" }""", false)]
    [InlineData("""{ "missing": { "neq": "x" } }""", true)]
    [InlineData("""{ "missing": { "gt": 1 } }""", false)]
    [InlineData("""{}""", true)]
    public void Conditions_follow_the_rules_format(string condition, bool expected)
    {
        Assert.Equal(expected, ConditionEvaluator.Matches(JsonNode.Parse(condition)!.AsObject(), Context));
    }
}
