using System.Text.Json;
using System.Text.RegularExpressions;
using Tokenlay.Emulator.Rules;
using Tokenlay.Tests.Infrastructure;

namespace Tokenlay.Emulator.Tests.Docs;

public class ReadmeTests
{
    private static string RepoFile(string relative) => RepoFiles.Path(relative);

    private static IEnumerable<string> Blocks(string language) =>
        Regex.Matches(File.ReadAllText(RepoFile("README.md")), "```" + language + @"\n(.*?)```", RegexOptions.Singleline).Select(m => m.Groups[1].Value);

    private static string[] Lines(string text) =>
        text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();

    [Fact]
    public void Every_csharp_block_of_the_readme_is_compiled_code()
    {
        string[] compiled = Lines(File.ReadAllText(RepoFile("tests/Tokenlay.Emulator.Tests/Docs/ReadmeSnippets.cs")));
        string[] blocks = Blocks("csharp").ToArray();
        Assert.True(blocks.Length >= 8, "the README should show its API in code");

        foreach (string block in blocks)
        {
            // A complete program's using directives cannot sit inside a method here; the consumer
            // check in .ci/run compiles those programs whole against the packed packages.
            string[] lines = Lines(block).Where(l => !(l.StartsWith("using ", StringComparison.Ordinal) && l.EndsWith(';') && !l.Contains('('))).ToArray();
            bool found = Enumerable.Range(0, compiled.Length - lines.Length + 1)
                .Any(start => lines.Select((line, i) => compiled[start + i] == line).All(x => x));
            Assert.True(found, "README block not found verbatim in ReadmeSnippets.cs:\n" + block);
        }
    }

    [Fact]
    public void Every_csharp_block_of_the_readme_names_its_namespaces_and_each_is_one_the_compiled_snippets_use()
    {
        string snippets = File.ReadAllText(RepoFile("tests/Tokenlay.Emulator.Tests/Docs/ReadmeSnippets.cs"));
        // In scope in the snippets file without a directive: its enclosing namespaces, and the test project's global using.
        var compiled = new HashSet<string>(StringComparer.Ordinal) { "Tokenlay", "Tokenlay.Emulator", "Xunit" };
        foreach (Match m in Regex.Matches(snippets, @"^using ([A-Za-z0-9_.]+);", RegexOptions.Multiline))
        {
            compiled.Add(m.Groups[1].Value);
        }

        foreach (string block in Blocks("csharp"))
        {
            string[] usings = Regex.Matches(block, @"^using ([A-Za-z0-9_.]+);", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToArray();
            bool topLevelProgram = block.Contains("WebApplication.CreateBuilder(args)", StringComparison.Ordinal) || block.Contains("Console.WriteLine(reply", StringComparison.Ordinal);
            Assert.True(usings.Length > 0 || topLevelProgram, "README block without its using lines:\n" + block);
            Assert.All(usings, u => Assert.True(compiled.Contains(u), $"README block uses namespace {u}, which the compiled snippets do not:\n{block}"));
        }
    }

    [Fact]
    public void The_rules_example_of_the_readme_is_a_valid_rules_file()
    {
        string json = Blocks("json").Single(b => b.Contains("\"then\"", StringComparison.Ordinal));

        IReadOnlyList<Rule> rules = RuleSet.Parse(json, "README");

        Assert.Equal(new[] { "pro-tier", "free-tier" }, rules.Select(r => r.Id));
    }

    [Fact]
    public void The_rules_extensions_shown_in_the_readme_are_valid_rules_files()
    {
        // Extension examples are jsonc blocks, so the one json example stays the shipped rules file.
        string[] blocks = Blocks("jsonc").Where(b => b.Contains("\"then\"", StringComparison.Ordinal)).ToArray();

        Assert.True(blocks.Length >= 2, "the Credits and Guardrails sections show their rules extensions");
        Assert.All(blocks, b => Assert.NotEmpty(RuleSet.Parse(b, "README")));
        string all = string.Join("\n", blocks);
        Assert.All(new[] { "\"credits\"", "\"rolling\"", "\"alerts\"", "\"block_for\"" }, name => Assert.Contains(name, all, StringComparison.Ordinal));
    }

    [Fact]
    public void The_readme_documents_the_log_export_columns_in_the_order_the_emulator_writes_them()
    {
        string readme = File.ReadAllText(RepoFile("README.md"));

        Assert.Contains("`" + string.Join(",", Tokenlay.Emulator.Endpoints.ExportEndpoints.LogColumns) + "`", readme, StringComparison.Ordinal);
    }

    [Fact]
    public void The_shipped_example_rules_file_is_the_readme_example_and_is_valid()
    {
        string json = Blocks("json").Single(b => b.Contains("\"then\"", StringComparison.Ordinal));
        string shipped = File.ReadAllText(RepoFile("samples/rules.json"));

        Assert.Equal(json.Trim(), shipped.Trim());
        Assert.Equal(new[] { "pro-tier", "free-tier" }, RuleSet.Parse(shipped, "samples/rules.json").Select(r => r.Id));
    }

    // Issue 25: what a newcomer reading the README top to bottom must be told.
    [Theory]
    [InlineData("| `Tokenlay:TokenlayKey` | `TOKENLAY_KEY` |")] // item 2: configuration keys and variables side by side
    [InlineData("| `Tokenlay:TokenlayBaseUrl` | `TOKENLAY_BASE_URL` |")]
    [InlineData("`TokenlayBaseUrl` (`Uri`)")] // item 16
    [InlineData("a URL ending in `/v1`")] // item 7
    [InlineData("AddTokenlayExceptionHandler()")] // item 4
    [InlineData("`Tokenlay:NetworkTimeout` (default 10 minutes) is the")] // item 6
    [InlineData("'Tokenlay:Resilience:MaxRetryAttempts'")] // item 5
    [InlineData("ClientLoggingOptions")] // item 16: logging without DI
    [InlineData("Namespaces follow one rule")] // item 16
    [InlineData("--configfile ~/.nuget/NuGet/NuGet.Config")] // item 1
    [InlineData("dotnet pack Tokenlay.Sdk.sln")] // item 14
    [InlineData("once you have had the last update")] // item 3
    public void The_readme_tells_a_newcomer(string text)
    {
        Assert.Contains(text, File.ReadAllText(RepoFile("README.md")));
    }

    [Fact]
    public void The_shipped_rules_send_no_webhook_to_a_port_where_nothing_listens()
    {
        Assert.DoesNotContain("\"notify\"", File.ReadAllText(RepoFile("samples/rules.json")));
    }

    [Fact]
    public void The_samples_set_no_placeholder_provider_key()
    {
        Assert.DoesNotContain("sk-emulator-not-used", File.ReadAllText(RepoFile("samples/Tokenlay.Samples.AspNetCore/Program.cs")));
    }

    [Fact]
    public void The_readme_shows_the_commands_that_ci_runs()
    {
        string readme = File.ReadAllText(RepoFile("README.md"));
        string ci = File.ReadAllText(RepoFile(".ci/run"));

        Assert.Contains("dotnet test Tokenlay.Sdk.sln", readme);
        Assert.Contains("dotnet test Tokenlay.Sdk.sln", ci);
        Assert.Contains("dotnet run --project samples/Tokenlay.Samples.Quickstart", readme);
        Assert.Contains("dotnet run --no-build --project samples/Tokenlay.Samples.Quickstart", ci);
    }
}
