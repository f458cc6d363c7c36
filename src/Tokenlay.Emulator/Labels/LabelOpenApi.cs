#if NET10_0_OR_GREATER
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.OpenApi;

namespace Tokenlay.Emulator.Labels;

/// <summary>The <c>label</c> query parameter of <c>GET /v1/logs</c> in the OpenAPI document, with the label set as its values.</summary>
internal static class LabelOpenApi
{
    public static RouteHandlerBuilder WithLabelParameter(this RouteHandlerBuilder builder) =>
        builder.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            operation.Parameters ??= new List<IOpenApiParameter>();
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = "label",
                In = ParameterLocation.Query,
                Description = "Only calls with this intent label (in labels: the prompt's and the reply's).",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, Enum = IntentLabels.All.Select(l => (JsonNode)JsonValue.Create(l)).ToList() },
            });
            return Task.CompletedTask;
        });
}
#else
using Microsoft.AspNetCore.Builder;

namespace Tokenlay.Emulator.Labels;

/// <summary>No OpenAPI document on net8.0 (its generator needs ASP.NET Core 9 or later).</summary>
internal static class LabelOpenApi
{
    public static RouteHandlerBuilder WithLabelParameter(this RouteHandlerBuilder builder) => builder;
}
#endif
