using System;
using System.ClientModel;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace Tokenlay.Companion;

/// <summary>Reads the call log (<c>GET /v1/logs</c>). Get it from <see cref="TokenlayClient.Logs"/>.</summary>
public class TokenlayLogsClient
{
    /// <summary>The largest page the API serves.</summary>
    public const int MaxPageSize = TokenlayPageSizes.Max;

    private readonly TokenlayApiTransport? _transport;

    /// <summary>For mocking.</summary>
    protected TokenlayLogsClient()
    {
    }

    internal TokenlayLogsClient(TokenlayApiTransport transport)
    {
        _transport = transport;
    }

    /// <summary>
    /// Every entry that matches <paramref name="query"/>, newest first, fetching pages lazily as the
    /// enumeration goes; stop enumerating and no further page is fetched. The pages themselves, with
    /// their raw responses, are <see cref="System.ClientModel.Primitives.AsyncCollectionResult.GetRawPagesAsync"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The query is invalid (Since after Until, PageSize out of range).</exception>
    /// <exception cref="TokenlayException">While enumerating: Tokenlay refused, could not be reached, or repeated a cursor.</exception>
    public virtual AsyncCollectionResult<TokenlayLogEntry> ListAsync(TokenlayLogQuery? query = null, CancellationToken cancellationToken = default)
    {
        Validate(query);
        return new TokenlayAsyncPageCollection<TokenlayLogPage, TokenlayLogEntry>((cursor, ct) => GetPageAsync(query, cursor, ct), "log", null, cancellationToken);
    }

    /// <summary>The synchronous form of <see cref="ListAsync"/>.</summary>
    /// <exception cref="ArgumentException">The query is invalid (Since after Until, PageSize out of range).</exception>
    /// <exception cref="TokenlayException">While enumerating: Tokenlay refused, could not be reached, or repeated a cursor.</exception>
    public virtual CollectionResult<TokenlayLogEntry> List(TokenlayLogQuery? query = null, CancellationToken cancellationToken = default)
    {
        Validate(query);
        return new TokenlayPageCollection<TokenlayLogPage, TokenlayLogEntry>((cursor, ct) => GetPage(query, cursor, ct), "log", null, cancellationToken);
    }

    /// <summary>One page of <paramref name="query"/>, from <paramref name="cursor"/> (a <see cref="TokenlayLogPage.NextCursor"/>) or the start.</summary>
    /// <exception cref="ArgumentException">The query is invalid.</exception>
    /// <exception cref="TokenlayException">Tokenlay refused or could not be reached.</exception>
    public virtual Task<ClientResult<TokenlayLogPage>> GetPageAsync(TokenlayLogQuery? query = null, string? cursor = null, CancellationToken cancellationToken = default) =>
        Transport.SendAsync(PageRequest(query, cursor), TokenlayJsonContext.Default.TokenlayLogPage, cancellationToken);

    /// <summary>The synchronous form of <see cref="GetPageAsync"/>.</summary>
    public virtual ClientResult<TokenlayLogPage> GetPage(TokenlayLogQuery? query = null, string? cursor = null, CancellationToken cancellationToken = default) =>
        Transport.Send(PageRequest(query, cursor), TokenlayJsonContext.Default.TokenlayLogPage, cancellationToken);

    /// <summary>One entry by its request id.</summary>
    /// <exception cref="ArgumentException"><paramref name="id"/> is empty.</exception>
    /// <exception cref="TokenlayNotFoundException">No entry has that id.</exception>
    public virtual Task<ClientResult<TokenlayLogEntry>> GetAsync(string id, CancellationToken cancellationToken = default) =>
        Transport.SendAsync(EntryRequest(id), TokenlayJsonContext.Default.TokenlayLogEntry, cancellationToken);

    /// <summary>The synchronous form of <see cref="GetAsync"/>.</summary>
    public virtual ClientResult<TokenlayLogEntry> Get(string id, CancellationToken cancellationToken = default) =>
        Transport.Send(EntryRequest(id), TokenlayJsonContext.Default.TokenlayLogEntry, cancellationToken);

    private static TokenlayApiRequest PageRequest(TokenlayLogQuery? query, string? cursor)
    {
        Validate(query);
        query ??= new TokenlayLogQuery();
        return new TokenlayApiRequest("GET", "/v1/logs", "the logs request")
        {
            Query = new KeyValuePair<string, string?>[]
            {
                new("user", query.User),
                new("org", query.Org),
                new("feature", query.Feature),
                new("model", query.Model),
                new("key_ref", query.KeyRef),
                new("success", query.Success is { } s ? (s ? "true" : "false") : null),
                new("label", query.Label?.ToString()),
                new("since", TokenlayApiTransport.Time(query.Since)),
                new("until", TokenlayApiTransport.Time(query.Until)),
                new("limit", query.PageSize?.ToString(CultureInfo.InvariantCulture)),
                new("cursor", cursor),
            },
        };
    }

    private static TokenlayApiRequest EntryRequest(string id) =>
        string.IsNullOrWhiteSpace(id)
            ? throw new ArgumentException("The log id is empty; pass a request id such as TokenlayResponseInfo.RequestId.", nameof(id))
            : new TokenlayApiRequest("GET", "/v1/logs/" + Uri.EscapeDataString(id), "the log entry request");

    /// <summary>
    /// Exports every entry that matches <paramref name="query"/> (not one page; user, org, feature, model,
    /// since and until apply) into <paramref name="destination"/>, copied as it streams in, so memory
    /// stays flat for any size. A CSV has the documented columns in a fixed order
    /// (<c>timestamp,request_id,user,org,plan,project,feature,model,model_used,input_tokens,output_tokens,cost_usd,status,rule_id,action,source</c>)
    /// with cells that a spreadsheet would run as a formula made inert.
    /// </summary>
    /// <param name="query">Filters; null for every call. <see cref="TokenlayLogQuery.Success"/> and <see cref="TokenlayLogQuery.PageSize"/> do not apply.</param>
    /// <param name="destination">Where the file is written, from its current position; it is not closed.</param>
    /// <param name="format"><see cref="TokenlayExportFormat.Csv"/> or <see cref="TokenlayExportFormat.JsonLines"/>.</param>
    /// <param name="cancellationToken">Cancels the export; the destination then holds part of the file.</param>
    /// <returns>The number of bytes written to <paramref name="destination"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="destination"/> is null.</exception>
    /// <exception cref="ArgumentException">The destination is not writable, or Since is after Until.</exception>
    /// <exception cref="TokenlayException">Tokenlay refused or could not be reached, also in the middle of the file.</exception>
    public virtual Task<long> ExportAsync(TokenlayLogQuery? query, Stream destination, TokenlayExportFormat format, CancellationToken cancellationToken = default) =>
        Transport.CopyToAsync(ExportRequest(query, destination, format), format.MediaType, destination, cancellationToken);

    /// <summary>The synchronous form of <see cref="ExportAsync"/>.</summary>
    public virtual long Export(TokenlayLogQuery? query, Stream destination, TokenlayExportFormat format, CancellationToken cancellationToken = default) =>
        Transport.CopyTo(ExportRequest(query, destination, format), format.MediaType, destination, cancellationToken);

    private static TokenlayApiRequest ExportRequest(TokenlayLogQuery? query, Stream destination, TokenlayExportFormat format)
    {
        Exports.CheckDestination(destination);
        query ??= new TokenlayLogQuery();
        TokenlayApiTransport.ValidateRange(query.Since, query.Until, nameof(query));
        var parameters = new KeyValuePair<string, string?>[]
        {
            new("format", format.ToString()),
            new("since", TokenlayApiTransport.Time(query.Since)),
            new("until", TokenlayApiTransport.Time(query.Until)),
            new("user", query.User),
            new("org", query.Org),
            new("feature", query.Feature),
            new("model", query.Model),
        };
        return new TokenlayApiRequest("GET", "/v1/logs/export", "the log export") { Query = parameters };
    }

    private static void Validate(TokenlayLogQuery? query)
    {
        if (query is null)
        {
            return;
        }
        TokenlayApiTransport.ValidateRange(query.Since, query.Until, nameof(query));
        if (query.PageSize is { } size && (size < 1 || size > MaxPageSize))
        {
            throw new ArgumentOutOfRangeException(nameof(query), size, $"PageSize must be from 1 to {MaxPageSize}.");
        }
    }

    private TokenlayApiTransport Transport => _transport ?? throw new InvalidOperationException("This instance was created for mocking and has no transport.");
}
