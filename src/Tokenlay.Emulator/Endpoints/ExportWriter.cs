using System;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using CsvHelper;
using Microsoft.AspNetCore.Http;

namespace Tokenlay.Emulator.Endpoints;

/// <summary>
/// Writes an export's rows as they come, in CSV (RFC 4180 via CsvHelper, with formula-looking text
/// made inert by a leading apostrophe, as OWASP recommends) or JSON Lines (one object per row with
/// the same fields), flushing every thousand rows so the caller sees them and memory stays flat.
/// </summary>
internal sealed class ExportWriter : IAsyncDisposable
{
    private const int FlushEvery = 1000;

    private readonly HttpContext _http;
    private readonly string[] _columns;
    private readonly StreamWriter _writer;
    private readonly CsvWriter? _csv;
    private long _rows;

    private ExportWriter(HttpContext http, bool csv, string[] columns)
    {
        _http = http;
        _columns = columns;
        _writer = new StreamWriter(http.Response.Body, new UTF8Encoding(false), bufferSize: 64 * 1024);
        _csv = csv ? CsvWriter.Create(_writer, new CsvWriterOptions { Injection = CsvInjection.Escape, NewLine = "\r\n" }, leaveOpen: true) : null;
    }

    /// <summary>The export format a request asks for (<c>csv</c> by default, or <c>jsonl</c>); null when it asks for another.</summary>
    public static string? Format(IQueryCollection query) => query["format"].ToString() is { Length: > 0 } f ? (f is "csv" or "jsonl" ? f : null) : "csv";

    /// <summary>Starts the answer: its type, a file name to save it under, and (for CSV) the header row.</summary>
    public static async Task<ExportWriter> StartAsync(HttpContext http, string format, string name, string[] columns)
    {
        http.Response.ContentType = format == "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{name}.{format}\"";
        var writer = new ExportWriter(http, format == "csv", columns);
        if (writer._csv is { } csv)
        {
            foreach (string column in columns)
            {
                csv.WriteField(column);
            }
            await csv.EndRecordAsync(http.RequestAborted);
        }
        return writer;
    }

    /// <summary>One row, its cells in the order of the columns.</summary>
    public async Task WriteAsync(object?[] row)
    {
        if (_csv is { } csv)
        {
            foreach (object? cell in row)
            {
                csv.WriteField(Cell(cell));
            }
            await csv.EndRecordAsync(_http.RequestAborted);
        }
        else
        {
            await _writer.WriteLineAsync(Line(row));
        }
        if (++_rows % FlushEvery == 0)
        {
            if (_csv is not null)
            {
                await _csv.FlushAsync(_http.RequestAborted);
            }
            await _writer.FlushAsync(_http.RequestAborted);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_csv is not null)
        {
            await _csv.DisposeAsync();
        }
        await _writer.DisposeAsync();
    }

    private static string Cell(object? value) => value switch
    {
        null => "",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private string Line(object?[] row)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            for (int i = 0; i < _columns.Length; i++)
            {
                switch (row[i])
                {
                    case null: json.WriteNull(_columns[i]); break;
                    case long n: json.WriteNumber(_columns[i], n); break;
                    case int n: json.WriteNumber(_columns[i], n); break;
                    case decimal d: json.WriteNumber(_columns[i], d); break;
                    default: json.WriteString(_columns[i], row[i]!.ToString()); break;
                }
            }
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
