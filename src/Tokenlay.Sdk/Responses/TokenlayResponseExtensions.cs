using System;
using System.ClientModel;
using System.ClientModel.Primitives;

namespace Tokenlay;

/// <summary>Reads <see cref="TokenlayResponseInfo"/> from the results of the OpenAI library.</summary>
public static class TokenlayResponseExtensions
{
    /// <summary>What Tokenlay reported about the call that produced <paramref name="result"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="result"/> is null.</exception>
    public static TokenlayResponseInfo GetTokenlayInfo(this ClientResult result)
    {
        if (result is null)
        {
            throw new ArgumentNullException(nameof(result));
        }
        return TokenlayResponseInfo.FromResponse(result.GetRawResponse());
    }

    /// <summary>What Tokenlay reported in <paramref name="response"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="response"/> is null.</exception>
    public static TokenlayResponseInfo GetTokenlayInfo(this PipelineResponse response) => TokenlayResponseInfo.FromResponse(response);
}
