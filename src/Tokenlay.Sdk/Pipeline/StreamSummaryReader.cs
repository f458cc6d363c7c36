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
/// library never sees the summary. The end callback runs once, when the caller has had every
/// event before the end: on the first read after the last of them was handed over (the library
/// reads again only once the caller asked for the next update), at the end of the body, or on
/// dispose, whichever is first; with the summary's data when it came, or with nothing.
/// </summary>
/// <remarks>
/// The summary is often read ahead, in the same network read as the last content chunks: running
/// the callback then would report the call while the caller still has updates to receive.
/// </remarks>
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
    private bool _summarySeen;
    private byte[]? _summary;
    private long _emitted, _delivered, _summaryMark;

    public StreamSummaryReader(Stream inner, Action<byte[]?> onEnd)
        : base(inner)
    {
        _onEnd = onEnd;
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        EndIfDelivered();
        while (_readyLength == 0 && !_innerDone)
        {
            Accept(Inner.Read(_pending.Length - _pendingLength < 1024 ? Grow() : _pending, _pendingLength, _pending.Length - _pendingLength));
        }
        return CopyOut(buffer, offset, count);
    }

    public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        EndIfDelivered();
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
            End(_summary); // abandoned or cut: report the summary if it came, else what the headers said
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
            if (!_summarySeen)
            {
                _summarySeen = true;
                _summaryMark = _emitted;
            }
            return;
        }
        _pendingLength += read;
        int start = 0;
        while (EventEnd(start) is int end and > 0)
        {
            if (StartsWith(start, s_summaryEvent))
            {
                // Kept until the caller has had everything before it (EndIfDelivered).
                _summary = DataOf(start, end);
                _summarySeen = true;
                _summaryMark = _emitted;
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
        _emitted += length;
    }

    private int CopyOut(byte[] buffer, int offset, int count)
    {
        int n = Math.Min(count, _readyLength);
        Buffer.BlockCopy(_ready, _readyStart, buffer, offset, n);
        _readyStart += n;
        _readyLength -= n;
        _delivered += n;
        if (n == 0 && _innerDone)
        {
            End(_summary); // the end of the body, and the caller has everything
        }
        if (_readyLength == 0)
        {
            _readyStart = 0;
        }
        return n;
    }

    // The caller asks for more only once it has taken the updates it was given: if everything before
    // the summary (or the end of the body) was handed over, the call is over for it.
    private void EndIfDelivered()
    {
        if (_summarySeen && _delivered >= _summaryMark)
        {
            End(_summary);
        }
    }

    private void End(byte[]? summary)
    {
        if (Interlocked.Exchange(ref _ended, 1) == 0)
        {
            _onEnd(summary);
        }
    }
}
