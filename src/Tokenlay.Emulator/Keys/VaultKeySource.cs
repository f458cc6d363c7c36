using System;
using System.IO;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Tokenlay.Emulator.Metering.Persistence;

namespace Tokenlay.Emulator.Keys;

/// <summary>
/// Where the vault's encryption key comes from, first match wins: <see cref="TokenlayEmulatorOptions.VaultKey"/>
/// (<c>TOKENLAY_EMULATOR_VAULT_KEY</c>), <see cref="TokenlayEmulatorOptions.VaultKeyFile"/> (<c>--vault-key-file</c>),
/// a <c>{data}.vault-key</c> file beside the <c>--data</c> database, or (in memory) a random key
/// for this run only. A file that does not exist is created with a new random key, readable by
/// its owner only. Keys are 32 bytes written as base64.
/// </summary>
internal static class VaultKeySource
{
    public const string FileSuffix = ".vault-key";

    public static byte[] Load(TokenlayEmulatorOptions options, ILogger logger)
    {
        if (options.VaultKey is { } text)
        {
            return Decode(text, "TokenlayEmulatorOptions.VaultKey (TOKENLAY_EMULATOR_VAULT_KEY)");
        }
        string? path = options.VaultKeyFile ?? (options.DataPath is { } data ? Path.GetFullPath(data) + FileSuffix : null);
        if (path is null)
        {
            return RandomNumberGenerator.GetBytes(32); // the vault lives in memory, as do the keys it opens
        }
        if (!File.Exists(path))
        {
            return Create(path);
        }
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
        {
            logger.LogWarning("The vault key file {Path} can be read by other users; run chmod 600 on it.", path);
        }
        try
        {
            return Decode(File.ReadAllText(path).Trim(), path);
        }
        catch (IOException e)
        {
            throw new EmulatorStoreException($"{path}: cannot read the vault key ({e.Message}).", e);
        }
    }

    private static byte[] Create(string path)
    {
        byte[] key = RandomNumberGenerator.GetBytes(32);
        var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite; // owner only, from the first byte
        }
        try
        {
            using var file = new StreamWriter(new FileStream(path, create));
            file.Write(Convert.ToBase64String(key));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EmulatorStoreException($"{path}: cannot create the vault key file ({e.Message}); point --vault-key-file elsewhere.", e);
        }
        return key;
    }

    private static byte[] Decode(string text, string where)
    {
        byte[]? key = null;
        try
        {
            key = Convert.FromBase64String(text.Trim());
        }
        catch (FormatException)
        {
        }
        // The message never quotes the text: it is a key.
        return key is { Length: 32 } ? key : throw new ArgumentException($"{where} must be 32 random bytes written as base64 (for example: openssl rand -base64 32).");
    }
}
