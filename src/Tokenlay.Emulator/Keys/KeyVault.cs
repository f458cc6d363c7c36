using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Tokenlay.Emulator.Metering.Persistence;
using Tokenlay.Emulator.Proxy;

namespace Tokenlay.Emulator.Keys;

/// <summary>
/// The customers' provider keys: at most one key per <c>ref_id</c> and provider that is not revoked,
/// secrets sealed with <see cref="VaultCipher"/> and opened only for the call or validation that
/// needs them, and an append-only event list per key. Rotating replaces the sealed secret and
/// revoking erases it; neither keeps the old one. With a journal (<c>--data</c>) every change is
/// stored, in the order it happened. Thread-safe.
/// </summary>
internal sealed class KeyVault : IDisposable
{
    private readonly object _gate = new();
    private readonly Dictionary<string, ConnectedKey> _keys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<KeyEvent>> _events = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<ConnectedKey>> _byRef = new(StringComparer.Ordinal); // a call finds its customer's keys without a scan
    private readonly HashSet<(string RefId, string Provider)> _connecting = new();
    private readonly VaultCipher _cipher;
    private readonly TimeProvider _time;
    private readonly IKeyJournal? _journal;
    private long _keySequence, _eventSequence;

    /// <param name="cipher">Seals and opens secrets.</param>
    /// <param name="time">The clock events are stamped with.</param>
    /// <param name="journal">Where changes are stored (<c>--data</c>); null in memory.</param>
    /// <param name="actor">The id of the Tokenlay key that acts, recorded on every event (never the key).</param>
    /// <exception cref="EmulatorStoreException">The journal holds keys this vault key cannot open.</exception>
    public KeyVault(VaultCipher cipher, TimeProvider time, IKeyJournal? journal, string actor)
    {
        _cipher = cipher;
        _time = time;
        _journal = journal;
        Actor = actor;
        if (journal is null)
        {
            return;
        }
        (IReadOnlyList<ConnectedKey> keys, IReadOnlyList<KeyEvent> events) = journal.Load();
        foreach (ConnectedKey key in keys)
        {
            if (key.Sealed is { } sealedSecret)
            {
                try
                {
                    cipher.Open(sealedSecret, key.Id);
                }
                catch (CryptographicException e)
                {
                    throw new EmulatorStoreException(
                        "The vault key does not open the connected keys stored in the --data database: start with the vault key they were stored with " +
                        "(--vault-key-file, TOKENLAY_EMULATOR_VAULT_KEY, or the .vault-key file beside the database), or point --data elsewhere.", e);
                }
            }
            Index(key);
            _keySequence = Math.Max(_keySequence, key.Sequence);
        }
        foreach (KeyEvent keyEvent in events)
        {
            EventsOf(keyEvent.KeyId).Add(keyEvent);
            _eventSequence = Math.Max(_eventSequence, keyEvent.Sequence);
        }
    }

    /// <summary>The id of the Tokenlay key that acts: <c>tlk_</c> and the start of its SHA-256.</summary>
    public string Actor { get; }

    /// <summary>The actor id of a Tokenlay key.</summary>
    public static string ActorOf(string tokenlayKey) =>
        "tlk_" + Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(tokenlayKey)))[..16].ToLowerInvariant();

    /// <summary>
    /// Claims the right to connect a key for <paramref name="refId"/> and <paramref name="provider"/>:
    /// false when one is connected (and not revoked) or being connected right now. Release it with
    /// <see cref="EndConnect"/>, whatever happens; so two connects at once give one key and one 409.
    /// </summary>
    public bool TryBeginConnect(string refId, string provider)
    {
        lock (_gate)
        {
            if (KeysOf(refId).Any(k => k.Provider == provider && !k.Revoked))
            {
                return false;
            }
            return _connecting.Add((refId, provider));
        }
    }

    public void EndConnect(string refId, string provider)
    {
        lock (_gate)
        {
            _connecting.Remove((refId, provider));
        }
    }

    /// <summary>The connection as a key to validate before it is stored.</summary>
    public static ResolvedKey Preview(KeyConnection c) => new("key_pending", c.RefId, c.Provider, c.Secret, c.BaseUrl, c.Deployment, c.ApiVersion);

    /// <summary>Stores a connection claimed with <see cref="TryBeginConnect"/>; returns its view.</summary>
    public JsonObject Add(KeyConnection c, KeyValidation validation)
    {
        DateTimeOffset now = _time.GetUtcNow();
        lock (_gate)
        {
            string id = "key_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(12)).ToLowerInvariant();
            var key = new ConnectedKey
            {
                Id = id, Sequence = ++_keySequence, RefId = c.RefId, Provider = c.Provider, BaseUrl = c.BaseUrl,
                Deployment = c.Deployment, ApiVersion = c.ApiVersion, Label = c.Label,
                KeyHint = KeyConnection.Hint(c.Secret), Status = validation.Status ?? KeyStatus.Unverified,
                Sealed = _cipher.Seal(c.Secret, id), CreatedAt = now,
                LastValidatedAt = validation.Outcome == "unverified" ? null : now,
            };
            Index(key);
            _journal?.Saved(key);
            Append(key, "connected", now);
            Append(key, "validated", now, validation);
            return key.ToJson();
        }
    }

    /// <summary>The key's view, or null.</summary>
    public JsonObject? Get(string id)
    {
        lock (_gate)
        {
            return _keys.GetValueOrDefault(id)?.ToJson();
        }
    }

    /// <summary>The key with its secret opened, for a validation or a call; null when unknown or revoked.</summary>
    public ResolvedKey? Open(string id)
    {
        lock (_gate)
        {
            return _keys.GetValueOrDefault(id) is { Sealed: { } sealedSecret } key ? Opened(key, sealedSecret) : null;
        }
    }

    /// <summary>Replaces the secret (the old one is not kept). Null when the key is unknown; <c>Revoked</c> when it was revoked.</summary>
    public (JsonObject? Key, bool Revoked) Rotate(string id, string secret, KeyValidation validation)
    {
        DateTimeOffset now = _time.GetUtcNow();
        lock (_gate)
        {
            if (!_keys.TryGetValue(id, out ConnectedKey? key))
            {
                return (null, false);
            }
            if (key.Revoked)
            {
                return (key.ToJson(), true);
            }
            key.Sealed = _cipher.Seal(secret, id);
            key.KeyHint = KeyConnection.Hint(secret);
            key.Status = validation.Status ?? key.Status;
            key.RotatedAt = now;
            key.LastValidatedAt = validation.Outcome == "unverified" ? key.LastValidatedAt : now;
            _journal?.Saved(key);
            Append(key, "rotated", now);
            Append(key, "validated", now, validation);
            return (key.ToJson(), false);
        }
    }

    /// <summary>Erases the secret and refuses later calls. Idempotent: a revoked key is returned as it is. Null when unknown.</summary>
    public JsonObject? Revoke(string id)
    {
        DateTimeOffset now = _time.GetUtcNow();
        lock (_gate)
        {
            if (!_keys.TryGetValue(id, out ConnectedKey? key))
            {
                return null;
            }
            if (!key.Revoked)
            {
                if (key.Sealed is { } old)
                {
                    CryptographicOperations.ZeroMemory(old);
                }
                key.Sealed = null;
                key.Status = KeyStatus.Revoked;
                key.RevokedAt = now;
                _journal?.Saved(key);
                Append(key, "revoked", now);
            }
            return key.ToJson();
        }
    }

    /// <summary>Records a validation asked for on its own. Null when the key is unknown.</summary>
    public JsonObject? Validated(string id, KeyValidation validation)
    {
        DateTimeOffset now = _time.GetUtcNow();
        lock (_gate)
        {
            if (!_keys.TryGetValue(id, out ConnectedKey? key))
            {
                return null;
            }
            if (!key.Revoked)
            {
                key.Status = validation.Status ?? key.Status;
                key.LastValidatedAt = validation.Outcome is "unverified" or "error" ? key.LastValidatedAt : now;
                _journal?.Saved(key);
                Append(key, "validated", now, validation);
            }
            return key.ToJson();
        }
    }

    /// <summary>
    /// The key a call naming <paramref name="refId"/> is made with (<c>x-tokenlay-key-ref</c>, and
    /// <c>x-tokenlay-key-provider</c> when the customer has keys for several providers), or why not:
    /// 403 <c>key_not_connected</c> or <c>key_revoked</c>, 400 when the provider must be named.
    /// </summary>
    public (ResolvedKey? Key, RequestError? Error) Resolve(string refId, string? provider)
    {
        lock (_gate)
        {
            List<ConnectedKey> ofRef = KeysOf(refId).Where(k => provider is null || k.Provider == provider).ToList();
            List<ConnectedKey> live = ofRef.Where(k => !k.Revoked).ToList();
            if (live.Count == 1)
            {
                return (Opened(live[0], live[0].Sealed!), null);
            }
            if (live.Count > 1)
            {
                return (null, new RequestError(400,
                    $"The customer '{refId}' has keys for several providers ({string.Join(", ", live.Select(k => k.Provider).Order(StringComparer.Ordinal))}): " +
                    "name the one to use with x-tokenlay-key-provider.", "key_provider_required", TokenlayHeaderNames.KeyProvider));
            }
            string which = provider is null ? "" : $" for {provider}";
            return ofRef.Count > 0
                ? (null, new RequestError(403, $"The key of '{refId}'{which} was revoked; connect a new one with POST /v1/keys.", TokenlayErrorCodes.KeyRevoked, TokenlayHeaderNames.KeyRef, TokenlayErrorCodes.PermissionType))
                : (null, new RequestError(403, $"No key is connected for '{refId}'{which}; connect one with POST /v1/keys.", TokenlayErrorCodes.KeyNotConnected, TokenlayHeaderNames.KeyRef, TokenlayErrorCodes.PermissionType));
        }
    }

    /// <summary>Counts a call made with the key; its first use is an event.</summary>
    public void Used(string id)
    {
        DateTimeOffset now = _time.GetUtcNow();
        lock (_gate)
        {
            if (!_keys.TryGetValue(id, out ConnectedKey? key))
            {
                return;
            }
            key.CallCount++;
            key.LastUsedAt = now;
            if (key.FirstUsedAt is null)
            {
                key.FirstUsedAt = now;
                Append(key, "used", now);
            }
            _journal?.Saved(key);
        }
    }

    /// <summary>Keys that match, oldest first, after <paramref name="after"/> (a sequence), at most <paramref name="limit"/> + 1.</summary>
    public List<(long Sequence, JsonObject Key)> List(string? refId, string? provider, string? status, long after, int limit)
    {
        lock (_gate)
        {
            return _keys.Values
                .Where(k => (refId is null || k.RefId == refId) && (provider is null || k.Provider == provider) && (status is null || k.Status == status) && k.Sequence > after)
                .OrderBy(k => k.Sequence).Take(limit + 1).Select(k => (k.Sequence, k.ToJson())).ToList();
        }
    }

    /// <summary>The key's events in the order they happened, after <paramref name="after"/>; null when the key is unknown.</summary>
    public List<(long Sequence, JsonObject Event)>? Events(string id, long after, int limit)
    {
        lock (_gate)
        {
            if (!_keys.ContainsKey(id))
            {
                return null;
            }
            return EventsOf(id).Where(e => e.Sequence > after).Take(limit + 1).Select(e => (e.Sequence, e.ToJson())).ToList();
        }
    }

    private ResolvedKey Opened(ConnectedKey key, byte[] sealedSecret) =>
        new(key.Id, key.RefId, key.Provider, _cipher.Open(sealedSecret, key.Id), key.BaseUrl, key.Deployment, key.ApiVersion);

    private void Append(ConnectedKey key, string type, DateTimeOffset at, KeyValidation? validation = null)
    {
        var keyEvent = new KeyEvent("kev_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(12)).ToLowerInvariant(), ++_eventSequence, key.Id, type, at, Actor,
            validation?.Outcome, validation?.Detail);
        EventsOf(key.Id).Add(keyEvent);
        _journal?.Appended(keyEvent);
    }

    private void Index(ConnectedKey key)
    {
        _keys[key.Id] = key;
        if (!_byRef.TryGetValue(key.RefId, out List<ConnectedKey>? keys))
        {
            _byRef[key.RefId] = keys = new List<ConnectedKey>();
        }
        keys.Add(key);
    }

    private IEnumerable<ConnectedKey> KeysOf(string refId) =>
        _byRef.TryGetValue(refId, out List<ConnectedKey>? keys) ? keys : Enumerable.Empty<ConnectedKey>();

    private List<KeyEvent> EventsOf(string id) =>
        _events.TryGetValue(id, out List<KeyEvent>? list) ? list : _events[id] = new List<KeyEvent>();

    public void Dispose() => _cipher.Dispose();
}
