using System.Text.Json.Nodes;

namespace Tokenlay.Emulator.Tests.Keys;

/// <summary>Issue 22: the key routes are in the emulator's OpenAPI document.</summary>
public class KeyOpenApiTests
{
    [Fact]
    public async Task The_openapi_document_describes_the_key_routes()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        using var http = new HttpClient { BaseAddress = emulator.BaseUrl };

        JsonObject paths = JsonNode.Parse(await http.GetStringAsync("/openapi/v1.json"))!["paths"]!.AsObject();

        Assert.NotNull(paths["/v1/keys"]!["post"]);
        Assert.NotNull(paths["/v1/keys"]!["get"]);
        Assert.NotNull(paths["/v1/keys/{id}"]!["get"]);
        Assert.NotNull(paths["/v1/keys/{id}"]!["put"]);
        Assert.NotNull(paths["/v1/keys/{id}"]!["delete"]);
        Assert.NotNull(paths["/v1/keys/{id}/validate"]!["post"]);
        Assert.NotNull(paths["/v1/keys/{id}/events"]!["get"]);
        // The bodies and answers are described, in the wire's snake_case.
        Assert.NotNull(paths["/v1/keys"]!["post"]!["requestBody"]);
        Assert.NotNull(paths["/v1/keys"]!["post"]!["responses"]!["201"]);
        string document = await http.GetStringAsync("/openapi/v1.json");
        Assert.Contains("\"ref_id\"", document);
        Assert.Contains("\"key_hint\"", document);
    }
}
