using System;
using System.Security.Cryptography;
using System.Text;

namespace Tokenlay.Emulator.Keys;

/// <summary>
/// Encrypts connected keys' secrets with AES-256-GCM. Each sealed secret is bound to its key's id
/// (associated data), so a ciphertext copied onto another record does not open. Layout: version
/// byte, 12-byte nonce, 16-byte tag, ciphertext.
/// </summary>
internal sealed class VaultCipher : IDisposable
{
    private const byte Version = 1;
    private const int NonceSize = 12, TagSize = 16;

    private readonly AesGcm _aes;

    /// <param name="key">32 bytes.</param>
    public VaultCipher(byte[] key)
    {
        if (key.Length != 32)
        {
            throw new ArgumentException("The vault key must be 32 bytes (AES-256).", nameof(key));
        }
        _aes = new AesGcm(key, TagSize);
    }

    public byte[] Seal(string secret, string keyId)
    {
        byte[] plain = Encoding.UTF8.GetBytes(secret);
        var sealedBytes = new byte[1 + NonceSize + TagSize + plain.Length];
        sealedBytes[0] = Version;
        Span<byte> nonce = sealedBytes.AsSpan(1, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        _aes.Encrypt(nonce, plain, sealedBytes.AsSpan(1 + NonceSize + TagSize), sealedBytes.AsSpan(1 + NonceSize, TagSize), Encoding.UTF8.GetBytes(keyId));
        CryptographicOperations.ZeroMemory(plain);
        return sealedBytes;
    }

    /// <exception cref="CryptographicException">The vault key is not the one that sealed it, or the bytes were altered.</exception>
    public string Open(byte[] sealedBytes, string keyId)
    {
        if (sealedBytes.Length < 1 + NonceSize + TagSize || sealedBytes[0] != Version)
        {
            throw new CryptographicException("Not a sealed secret of this vault.");
        }
        var plain = new byte[sealedBytes.Length - 1 - NonceSize - TagSize];
        _aes.Decrypt(sealedBytes.AsSpan(1, NonceSize), sealedBytes.AsSpan(1 + NonceSize + TagSize), sealedBytes.AsSpan(1 + NonceSize, TagSize), plain, Encoding.UTF8.GetBytes(keyId));
        string secret = Encoding.UTF8.GetString(plain);
        CryptographicOperations.ZeroMemory(plain);
        return secret;
    }

    public void Dispose() => _aes.Dispose();
}
