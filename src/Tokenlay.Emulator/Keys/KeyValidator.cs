using System;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace Tokenlay.Emulator.Keys;

/// <summary>
/// Asks the provider whether it accepts a key (<c>--forward</c> only): its model list
/// (<c>GET {base}/models</c>), or for Azure OpenAI the deployment. A 2xx is <c>valid</c>; any other
/// 4xx is <c>invalid</c>, with what the provider said; a 5xx, a timeout or no answer is <c>error</c>.
/// </summary>
internal sealed class KeyValidator : IDisposable
{
    private const int MaxDetail = 300;

    private readonly HttpClient _http;

    public KeyValidator(TimeSpan timeout)
    {
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2), AllowAutoRedirect = false })
        {
            Timeout = timeout,
        };
    }

    public async Task<KeyValidation> ValidateAsync(ResolvedKey key, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, ProviderRoute.ValidationUrl(key));
        ProviderRoute.Authorize(request, key);
        try
        {
            using HttpResponseMessage response = await _http.SendAsync(request, cancellationToken);
            int status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return new KeyValidation("valid", status);
            }
            string body = await response.Content.ReadAsStringAsync(cancellationToken);
            string detail = $"{status} {response.ReasonPhrase}: {Message(body)}";
            return new KeyValidation(status is >= 400 and < 500 and not 408 and not 429 ? "invalid" : "error", status, Redact(detail, key.Secret));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new KeyValidation("error", null, Redact($"the provider could not be reached at {key.BaseUrl}: {e.Message}", key.Secret));
        }
    }

    // The provider's own words when it sent an OpenAI-shaped error; else the start of its answer.
    private static string Message(string body)
    {
        string text = body;
        try
        {
            using JsonDocument document = JsonDocument.Parse(body);
            JsonElement root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out JsonElement error))
            {
                text = error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out JsonElement m) && m.ValueKind == JsonValueKind.String
                    ? m.GetString()!
                    : error.ValueKind == JsonValueKind.String ? error.GetString()! : text;
            }
        }
        catch (JsonException)
        {
        }
        var clean = new StringBuilder(Math.Min(text.Length, MaxDetail));
        foreach (char c in text)
        {
            if (clean.Length == MaxDetail)
            {
                break;
            }
            clean.Append(char.IsControl(c) ? ' ' : c);
        }
        return clean.ToString().Trim();
    }

    // Providers sometimes quote the key they refused: it never goes further than here.
    internal static string Redact(string text, string secret) =>
        text.Replace(secret, "[redacted]", StringComparison.Ordinal);

    public void Dispose() => _http.Dispose();
}
