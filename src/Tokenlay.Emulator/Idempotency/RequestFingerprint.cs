using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Text;

namespace Tokenlay.Emulator.Idempotency;

/// <summary>
/// What an idempotency key is bound to: the path, the Tokenlay key, the metadata and the body as
/// sent. A retry resends the same bytes, so it matches; anything else reusing the key does not.
/// </summary>
internal static class RequestFingerprint
{
    public static string Of(string path, string tokenlayKey, IReadOnlyDictionary<string, string> metadata, byte[] body)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(path + "\n" + tokenlayKey + "\n"));
        foreach (KeyValuePair<string, string> field in metadata.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            hash.AppendData(Encoding.UTF8.GetBytes(field.Key + "=" + field.Value + "\n"));
        }
        hash.AppendData(body);
        return Convert.ToHexString(hash.GetHashAndReset());
    }
}
