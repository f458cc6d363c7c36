using System.ClientModel.Primitives;

namespace Tokenlay.Companion;

/// <summary>
/// Pipeline settings for <see cref="TokenlayClient"/>: transport, extra policies, logging. Retry
/// and network timeout default to those of <see cref="TokenlayOptions"/> when left unset. The client
/// works on a copy: these options are never changed or frozen, so one instance can serve several clients.
/// </summary>
public class TokenlayClientOptions : ClientPipelineOptions
{
}
