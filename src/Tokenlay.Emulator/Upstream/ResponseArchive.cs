using System;
using System.Collections.Generic;
using System.Text.Json.Nodes;

namespace Tokenlay.Emulator.Upstream;

/// <summary>
/// The simulated provider's stored responses, for <c>GET</c> and <c>DELETE /v1/responses/{id}</c>
/// (the Responses API stores responses by default). Bounded: the oldest are forgotten first.
/// </summary>
internal sealed class ResponseArchive
{
    public const int Capacity = 1000;

    private readonly object _gate = new();
    private readonly Dictionary<string, JsonObject> _byId = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    public void Keep(JsonObject response)
    {
        string id = (string)response["id"]!;
        lock (_gate)
        {
            _byId[id] = (JsonObject)response.DeepClone();
            _order.Enqueue(id);
            while (_order.Count > Capacity)
            {
                _byId.Remove(_order.Dequeue());
            }
        }
    }

    public JsonObject? Find(string id)
    {
        lock (_gate)
        {
            return _byId.TryGetValue(id, out JsonObject? response) ? (JsonObject)response.DeepClone() : null;
        }
    }

    public bool Delete(string id)
    {
        lock (_gate)
        {
            return _byId.Remove(id);
        }
    }
}
