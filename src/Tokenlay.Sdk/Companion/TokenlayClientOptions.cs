using System.ClientModel.Primitives;

namespace Tokenlay.Companion;

/// <summary>
/// Pipeline settings for <see cref="TokenlayClient"/>: transport, extra policies, logging. Retry
/// and network timeout default to those of <see cref="TokenlayOptions"/> when left unset.
/// </summary>
public class TokenlayClientOptions : ClientPipelineOptions
{
}
