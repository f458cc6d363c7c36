using System;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace Tokenlay.Pipeline;

/// <summary>
/// Reads a streamed body for the OpenAI library and takes out the proxy's <c>tokenlay.summary</c>
/// event (asked for with <c>x-tokenlay-stream-summary</c>), which carries the stream's cost and
/// token counts. Events are passed on whole as soon as they are complete, so nothing waits; the
/// library never sees the summary. The end callback runs once: with the summary's data when
/// it arrives, or with nothing when the stream ends or is disposed without one.
/// </summary>
internal sealed class StreamSummaryReader : ReadOnlyWrappingStream
{
    private static readonly byte[] s_summaryEvent = Encoding.ASCII.GetBytes("event: tokenlay.summary");

    private readonly Action<byte[]?> _onEnd;
    private byte[] _pending = new byte[4096];
    private int _pendingLength;
    private byte[] _ready = new byte[4096];
    private int _readyStart, _readyLength;
    private bool _innerDone;
    private int _ended;

    public StreamSummaryReader(Stream inner, Action<byte[]?> onEnd)
        : base(inner)
    {
        _onEnd = onEnd;
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        while (_readyLength == 0 && !_innerDone)
        {
            Accept(Inner.Read(_pending.Length - _pendingLength < 1024 ? Grow() : _pending, _pendingLength, _pending.Length - _pendingLength));
        }
        return CopyOut(buffer, offset, count);
    }

    public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        while (_readyLength == 0 && !_innerDone)
        {
            byte[] target = _pending.Length - _pendingLength < 1024 ? Grow() : _pending;
            Accept(await Inner.ReadAsync(target, _pendingLength, target.Length - _pendingLength, cancellationToken).ConfigureAwait(false));
        }
        return CopyOut(buffer, offset, count);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            End(null); // abandoned or cut: report what the headers said
        }
        base.Dispose(disposing);
    }

    private byte[] Grow()
    {
        Array.Resize(ref _pending, _pending.Length * 2);
        return _pending;
    }

    private void Accept(int read)
    {
        if (read == 0)
        {
            _innerDone = true;
            Emit(0, _pendingLength); // whatever is left, even without a closing blank line
            _pendingLength = 0;
            End(null);
            return;
        }
        _pendingLength += read;
        int start = 0;
        while (EventEnd(start) is int end and > 0)
        {
            if (StartsWith(start, s_summaryEvent))
            {
                End(DataOf(start, end));
            }
            else
            {
                Emit(start, end - start);
            }
            start = end;
        }
        Buffer.BlockCopy(_pending, start, _pending, 0, _pendingLength - start);
        _pendingLength -= start;
    }

    // The index just past the blank line that ends the event starting at start ("\n\n" or "\r\n\r\n"); -1 when incomplete.
    private int EventEnd(int start)
    {
        for (int i = start; i < _pendingLength - 1; i++)
        {
            if (_pending[i] != (byte)'\n')
            {
                continue;
            }
            if (_pending[i + 1] == (byte)'\n')
            {
                return i + 2;
            }
            if (_pending[i + 1] == (byte)'\r' && i + 2 < _pendingLength && _pending[i + 2] == (byte)'\n')
            {
                return i + 3;
            }
        }
        return -1;
    }

    private bool StartsWith(int start, byte[] prefix)
    {
        if (_pendingLength - start < prefix.Length)
        {
            return false;
        }
        for (int i = 0; i < prefix.Length; i++)
        {
            if (_pending[start + i] != prefix[i])
            {
                return false;
            }
        }
        return true;
    }

    private byte[]? DataOf(int start, int end)
    {
        string text = Encoding.UTF8.GetString(_pending, start, end - start);
        foreach (string line in text.Split('\n'))
        {
            if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                return Encoding.UTF8.GetBytes(line.Substring(5).Trim());
            }
        }
        return null;
    }

    private void Emit(int start, int length)
    {
        if (length == 0)
        {
            return;
        }
        if (_readyStart + _readyLength + length > _ready.Length)
        {
            Buffer.BlockCopy(_ready, _readyStart, _ready, 0, _readyLength);
            _readyStart = 0;
            if (_readyLength + length > _ready.Length)
            {
                Array.Resize(ref _ready, Math.Max(_ready.Length * 2, _readyLength + length));
            }
        }
        Buffer.BlockCopy(_pending, start, _ready, _readyStart + _readyLength, length);
        _readyLength += length;
    }

    private int CopyOut(byte[] buffer, int offset, int count)
    {
        int n = Math.Min(count, _readyLength);
        Buffer.BlockCopy(_ready, _readyStart, buffer, offset, n);
        _readyStart += n;
        _readyLength -= n;
        if (_readyLength == 0)
        {
            _readyStart = 0;
        }
        return n;
    }

    private void End(byte[]? summary)
    {
        if (Interlocked.Exchange(ref _ended, 1) == 0)
        {
            _onEnd(summary);
        }
    }
}
