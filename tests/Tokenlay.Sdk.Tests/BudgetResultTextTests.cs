namespace Tokenlay.Tests;

/// <summary>Issue 25, item 16: a check result reads as one line, like the other results.</summary>
public class BudgetResultTextTests
{
    [Fact]
    public void A_check_result_says_whether_it_is_allowed_the_rule_the_model_and_each_limit()
    {
        var check = new TokenlayCheckResult
        {
            Allowed = false,
            Action = TokenlayRuleAction.Block,
            RuleId = "free-tier",
            Model = "gpt-4o-mini",
            Limits = [new TokenlayLimitStatus { Type = "requests", Per = "user", Key = "alice", Window = "day", Current = 100, Max = 100, Remaining = 0, Exceeded = true }],
        };

        string text = check.ToString();

        Assert.Equal("Check: blocked by rule free-tier (block), model gpt-4o-mini; requests per user 'alice' per day: 100/100, 0 left", text);
    }

    [Fact]
    public void A_check_result_without_a_rule_says_so()
    {
        Assert.Equal("Check: allowed (no rule), model gpt-4o", new TokenlayCheckResult { Allowed = true, Model = "gpt-4o" }.ToString());
    }
}
