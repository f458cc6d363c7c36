using System.Collections.Generic;

namespace Tokenlay.Emulator.Keys;

/// <summary>Where the vault's keys and events survive a restart (<c>--data</c>); without one they live in memory.</summary>
internal interface IKeyJournal
{
    (IReadOnlyList<ConnectedKey> Keys, IReadOnlyList<KeyEvent> Events) Load();

    /// <summary>Saves the key as it is now (its secret sealed, or erased once revoked).</summary>
    void Saved(ConnectedKey key);

    void Appended(KeyEvent keyEvent);
}
