using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Tokenlay.Emulator.Rules;
using Tokenlay.Tests.Infrastructure;
using Tokenlay.Emulator.Hosting;

namespace Tokenlay.Emulator.Tests.Labels;

/// <summary>Issue 24: the labels in the OpenAPI document, the command line and the dashboard.</summary>
public class LabelSurfaceTests
{
    [Fact]
    public async Task The_openapi_document_describes_the_label_fields_and_the_log_filter()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        using var http = new HttpClient { BaseAddress = emulator.BaseUrl };

        JsonNode document = JsonNode.Parse(await http.GetStringAsync("/openapi/v1.json"))!;

        JsonObject entry = document["components"]!["schemas"]!["CallLogEntry"]!["properties"]!.AsObject();
        Assert.True(entry.ContainsKey("labels") && entry.ContainsKey("prompt_labels") && entry.ContainsKey("labels_error"));
        Assert.True(document["components"]!["schemas"]!["UsageReport"]!["properties"]!.AsObject().ContainsKey("by_label"));
        JsonNode label = document["paths"]!["/v1/logs"]!["get"]!["parameters"]!.AsArray().Single(p => (string?)p!["name"] == "label")!;
        Assert.Equal("query", (string?)label["in"]);
        Assert.Equal(["jailbreak", "tos_breach", "frustration", "win", "safe"], label["schema"]!["enum"]!.AsArray().Select(v => (string?)v));
        Assert.Contains("intent labels", (string?)document["paths"]!["/v1/check"]!["post"]!["summary"]);
    }

    [Fact]
    public void The_readmes_label_rules_example_is_a_valid_rules_file_and_lists_every_simulated_phrase()
    {
        string readme = File.ReadAllText(RepoFiles.Path("README.md"));
        string example = Regex.Matches(readme, @"```jsonc\n(.*?)```", RegexOptions.Singleline).Select(m => m.Groups[1].Value).Single(b => b.Contains("prompt_labels", StringComparison.Ordinal));

        IReadOnlyList<Rule> rules = RuleSet.Parse(example, "README");

        Assert.Equal(["no-jailbreaks", "tos-throttle"], rules.Select(r => r.Id));
        foreach ((string label, string[] phrases) in Emulator.Labels.SimulatedLabeler.Phrases)
        {
            Assert.All(phrases, p => Assert.Contains($"\"{p}\"", readme));
            Assert.Contains($"(`{label}`)", readme);
        }
        Assert.Contains("extension of the public rules schema", readme);
    }

    [Fact]
    public void The_command_line_sets_the_labeler_its_model_and_its_timeout()
    {
        (TokenlayEmulatorOptions? options, string? error, _) = EmulatorCommandLine.Parse(["--labeler", "model", "--labeler-model", "label-mini", "--labeler-timeout", "2.5"]);

        Assert.Null(error);
        Assert.Equal(EmulatorLabeler.Model, options!.Labeler);
        Assert.Equal("label-mini", options.LabelerModel);
        Assert.Equal(TimeSpan.FromSeconds(2.5), options.LabelerTimeout);
        Assert.Equal(EmulatorLabeler.Simulated, EmulatorCommandLine.Parse([]).Options!.Labeler);
        Assert.Equal(EmulatorLabeler.Simulated, EmulatorCommandLine.Parse(["--forward"]).Options!.Labeler); // the default in both modes
        Assert.Equal(EmulatorLabeler.Off, EmulatorCommandLine.Parse(["--labeler", "off"]).Options!.Labeler);
        Assert.Contains("--labeler needs simulated, model or off", EmulatorCommandLine.Parse(["--labeler", "gpt"]).Error);
        Assert.Contains("--labeler-timeout needs a number of seconds", EmulatorCommandLine.Parse(["--labeler-timeout", "0"]).Error);
        Assert.Contains("--labeler-model needs a model", EmulatorCommandLine.Parse(["--labeler-model"]).Error);
        Assert.Contains("--labeler <kind>", EmulatorCommandLine.Usage);
    }

    [Fact]
    public async Task Labeler_options_out_of_range_are_refused_at_start()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Emu.StartAsync(configure: o => o.LabelerTimeout = TimeSpan.Zero));
        await Assert.ThrowsAsync<ArgumentException>(() => Emu.StartAsync(configure: o => { o.Labeler = EmulatorLabeler.Model; o.LabelerModel = " "; }));
    }

    [Fact]
    public async Task The_dashboard_shows_a_label_column_a_label_filter_and_calls_by_label()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        using var http = new HttpClient { BaseAddress = emulator.BaseUrl };

        string html = await http.GetStringAsync("/dashboard");
        string script = await http.GetStringAsync("/dashboard/app.js");

        Assert.Contains("id=\"label-filter\"", html);
        foreach (string label in new[] { "jailbreak", "tos_breach", "frustration", "win", "safe" })
        {
            Assert.Contains($"<option value=\"{label}\">{label}</option>", html);
        }
        Assert.Contains("id=\"by-label\"", html);
        Assert.Contains("labelTags(e.labels)", script);
        Assert.Contains("\"&label=\" + encodeURIComponent(label)", script);
        Assert.Contains("usage.by_label", script);
    }
}
