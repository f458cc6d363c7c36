using System.Net;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Tokenlay.Emulator.Rules;

namespace Tokenlay.Emulator.Tests.Fuzz;

/// <summary>One hostile request: which valid request it starts from, the mutation seed, how many mutations, whose limits.</summary>
public sealed record HostileRequest(int SeedIndex, int Seed, int Steps, bool Forward)
{
    public override string ToString() => $"seed request #{SeedIndex}, mutation seed {Seed}, {Steps} steps{(Forward ? ", forward mode" : "")}";
}

public static class HostileRequests
{
    public static Arbitrary<HostileRequest> Arbitrary() => Arb.From(
        from seedIndex in Gen.Choose(0, RequestMutator.Seeds.Length - 1)
        from seed in Gen.Choose(0, int.MaxValue - 1)
        from steps in Gen.Choose(0, 6)
        from forward in Gen.Elements(false, false, false, true)
        select new HostileRequest(seedIndex, seed, steps, forward));
}

/// <summary>
/// Issue 10, item 5, as a property: thousands of mutated valid requests, each sent to a real
/// emulator over HTTP (simulate and forward mode, with rules and limits in play). No answer is a
/// 5xx, no connection is cut, and the emulator keeps serving.
/// </summary>
public class FuzzTests
{
    private static readonly Lazy<(TokenlayEmulator Provider, TokenlayEmulator Simulate, TokenlayEmulator Forward, HttpClient Http)> s_targets = new(() =>
    {
        IReadOnlyList<Rule> rules = RuleSet.Parse("""
            [{ "id": "limits", "if": {}, "then": { "limits": [
                { "type": "requests", "max": 1000000, "window": "day", "per": "user" },
                { "type": "tokens", "max": 1000000000, "window": "day", "per": "user" },
                { "type": "cost", "max": 1000000, "window": "day", "per": "org" } ] } }]
            """);
        TokenlayEmulator provider = TokenlayEmulator.StartAsync(new TokenlayEmulatorOptions { Key = "sk-fuzz" }).GetAwaiter().GetResult();
        TokenlayEmulator simulate = TokenlayEmulator.StartAsync(new TokenlayEmulatorOptions { Rules = rules }).GetAwaiter().GetResult();
        TokenlayEmulator forward = TokenlayEmulator.StartAsync(new TokenlayEmulatorOptions { Rules = rules, Forward = true }).GetAwaiter().GetResult();
        return (provider, simulate, forward, new HttpClient { Timeout = TimeSpan.FromSeconds(20) });
    });

    [Property(MaxTest = 3000, Arbitrary = [typeof(HostileRequests)])]
    public bool No_request_body_gets_a_5xx_or_a_cut_connection(HostileRequest hostile)
    {
        (TokenlayEmulator provider, TokenlayEmulator simulate, TokenlayEmulator forward, HttpClient http) = s_targets.Value;
        TokenlayEmulator target = hostile.Forward ? forward : simulate;
        (string path, _) = RequestMutator.Seeds[hostile.SeedIndex];
        byte[] body = RequestMutator.Mutate(hostile.SeedIndex, hostile.Seed, hostile.Steps);
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(target.BaseUrl, path)) { Content = new ByteArrayContent(body) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + target.Key);
        request.Headers.TryAddWithoutValidation("x-tokenlay-user", "fuzz-" + (hostile.Seed % 7));
        request.Headers.TryAddWithoutValidation("x-tokenlay-org", "%E2%9C%93-org");
        if (hostile.Forward)
        {
            request.Headers.TryAddWithoutValidation("x-tokenlay-provider-key", provider.Key);
            request.Headers.TryAddWithoutValidation("x-tokenlay-provider-base", new Uri(provider.BaseUrl, "v1").ToString());
        }

        using HttpResponseMessage response = http.Send(request);
        using var reader = new StreamReader(response.Content.ReadAsStream());
        string text = reader.ReadToEnd(); // a cut connection throws here
        if ((int)response.StatusCode >= 500)
        {
            throw new Xunit.Sdk.XunitException($"{hostile}: {(int)response.StatusCode} {text}\nbody: {System.Text.Encoding.UTF8.GetString(body)}");
        }
        return response.StatusCode is HttpStatusCode.OK or HttpStatusCode.BadRequest or HttpStatusCode.NotFound or HttpStatusCode.TooManyRequests;
    }
}
