using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using Microsoft.Extensions.Logging;
using Tokenlay.Emulator.Pricing;

namespace Tokenlay.Emulator.Metering.Persistence;

/// <summary>
/// <c>--state</c>: the whole state in one JSON file, rewritten (atomically) at most once a second
/// when something changed. The snapshot is taken under the store's lock but serialised and written
/// outside it, so calls never wait for the disk. Bounded like the in-memory log; for a real
/// history use <c>--data</c>.
/// </summary>
internal sealed class JsonStateFile : ICallPersistence
{
    private readonly string _path;
    private readonly ILogger _logger;
    private readonly object _writeGate = new();
    private Timer? _timer;
    private Func<PersistedState>? _capture;
    private int _dirty;
    private volatile string? _problem;

    public JsonStateFile(string path, ILogger logger)
    {
        _path = Path.GetFullPath(path);
        _logger = logger;
        string? directory = Path.GetDirectoryName(_path);
        if (directory is not null && !Directory.Exists(directory))
        {
            throw new EmulatorStoreException($"{_path}: the directory {directory} does not exist; create it or point --state elsewhere.");
        }
    }

    public string? Problem => _problem;

    public PersistedState Load()
    {
        if (!File.Exists(_path))
        {
            return PersistedState.Empty;
        }
        StateFile? file;
        try
        {
            file = JsonSerializer.Deserialize<StateFile>(File.ReadAllText(_path), EmulatorJson.Options);
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new EmulatorStoreException($"{_path}: not a readable emulator state file ({e.Message}); delete it or point --state elsewhere.", e);
        }
        if (file?.Entries is null || file.Pricing is null)
        {
            throw new EmulatorStoreException($"{_path}: not an emulator state file (it has no 'entries' and 'pricing'); delete it or point --state elsewhere.");
        }
        return new PersistedState(file.Entries, (file.Folded ?? []).Select(r => (r.Key, r.ToSums())).ToList(), file.Pricing, file.LastSequence);
    }

    public void Write(CallLogEntry entry) => MarkDirty();

    public void WritePrices(Dictionary<string, Dictionary<string, ModelPrice>> overrides) => MarkDirty();

    private void MarkDirty()
    {
        Interlocked.Exchange(ref _dirty, 1);
    }

    public void Start(Func<PersistedState> capture)
    {
        _capture = capture;
        _timer = new Timer(_ => Flush(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    public void Flush()
    {
        if (_capture is not { } capture || Interlocked.Exchange(ref _dirty, 0) == 0)
        {
            return;
        }
        lock (_writeGate)
        {
            try
            {
                PersistedState state = capture();
                var file = new StateFile(state.Entries, state.Folded.Select(f => FoldedRow.Of(f.Key, f.Sums)).ToList(), state.Pricing, state.LastSequence);
                string temp = _path + ".tmp";
                using (FileStream stream = File.Create(temp))
                {
                    JsonSerializer.Serialize(stream, file, EmulatorJson.Options);
                }
                File.Move(temp, _path, overwrite: true); // atomic: a crash never leaves half a file
                _problem = null;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Interlocked.Exchange(ref _dirty, 1); // try again next time
                if (_problem is null)
                {
                    _logger.LogError("Cannot write the state file {Path}: {Message}. Calls are still served and kept in memory.", _path, e.Message);
                }
                _problem = $"cannot write {_path}: {e.Message}";
            }
        }
    }

    public void Dispose()
    {
        _timer?.Dispose();
        Flush();
    }

    private sealed record StateFile(List<CallLogEntry>? Entries, List<FoldedRow>? Folded, Dictionary<string, Dictionary<string, ModelPrice>>? Pricing, long LastSequence);
}
