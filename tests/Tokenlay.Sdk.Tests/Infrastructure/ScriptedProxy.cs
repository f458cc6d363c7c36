using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Settings;

namespace Tokenlay.Tests.Infrastructure;

/// <summary>
/// A WireMock.Net server on 127.0.0.1 standing in for the proxy where a test scripts whole
/// responses (status, headers, body). Socket-level faults (stalls mid-body, resets) stay with
/// <see cref="FakeProxy"/>, which WireMock cannot produce.
/// </summary>
public sealed class ScriptedProxy : IDisposable
{
    private ScriptedProxy(WireMockServer server)
    {
        Server = server;
        BaseUrl = new Uri(server.Urls[0].TrimEnd('/') + "/");
    }

    public WireMockServer Server { get; }

    public Uri BaseUrl { get; }

    /// <summary>How many requests reached the server.</summary>
    public int RequestCount => Server.LogEntries.Count();

    public static ScriptedProxy Start() =>
        new(WireMockServer.Start(new WireMockServerSettings { Urls = new[] { "http://127.0.0.1:0" }, StartAdminInterface = false }));

    /// <summary>Answers every request with <paramref name="status"/>, <paramref name="body"/> and the headers given.</summary>
    public ScriptedProxy AlwaysAnswer(int status, string body, IDictionary<string, string>? headers = null, string contentType = "application/json")
    {
        IResponseBuilder response = Response.Create().WithStatusCode(status).WithBody(body).WithHeader("Content-Type", contentType);
        foreach ((string name, string value) in headers ?? new Dictionary<string, string>())
        {
            response = response.WithHeader(name, value);
        }
        Server.Given(Request.Create().UsingAnyMethod()).RespondWith(response);
        return this;
    }

    public TokenlayOptions Options(Action<TokenlayOptions>? configure = null)
    {
        var options = new TokenlayOptions
        {
            TokenlayKey = TestKeys.Tokenlay,
            ProviderApiKey = TestKeys.Provider,
            TokenlayBaseUrl = BaseUrl,
            InitialRetryDelay = TimeSpan.FromMilliseconds(10),
        };
        configure?.Invoke(options);
        return options;
    }

    public void Dispose() => Server.Stop();
}
