using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Tokenlay.Emulator.Labels;

/// <summary>How a call's prompt labels go out: the <c>x-tokenlay-labels</c> header and the stream summary's <c>labels</c>.</summary>
internal static class LabelHeaders
{
    public const string Header = TokenlayHeaderNames.Labels;

    /// <summary>Sets <c>x-tokenlay-labels</c> (comma-separated, such as <c>jailbreak</c> or <c>safe</c>) when the prompt was labeled.</summary>
    public static void Set(HttpResponse response, IReadOnlyList<string>? labels)
    {
        if (labels is { Count: > 0 })
        {
            response.Headers[Header] = string.Join(",", labels);
        }
    }

    public static JsonArray? Json(IReadOnlyList<string>? labels) =>
        labels is null ? null : new JsonArray(labels.Select(l => (JsonNode?)l).ToArray());
}
