using System.Globalization;
using System.Text;
using Payouts.Core;
using Payouts.Core.Ports;

namespace Payouts.Server.Api;

/// <summary>
/// Cursor pagination that keeps Greenfield's plain-array bodies: the next page's cursor travels in the
/// <c>X-Next-Cursor</c> header and a <c>Link: &lt;…&gt;; rel="next"</c> header.
/// </summary>
public static class Pagination
{
    public static PageCursor CursorOf(DateTimeOffset createdAt, string id) => new(createdAt.ToUnixTimeMilliseconds(), id);

    public static string Encode(PageCursor c) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{c.CreatedAtMs.ToString(CultureInfo.InvariantCulture)}:{c.Id}"))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static bool TryDecode(string? text, out PageCursor? cursor)
    {
        cursor = null;
        if (string.IsNullOrEmpty(text)) return true;
        if (text.Length > 200) return false;
        try
        {
            var b64 = text.Replace('-', '+').Replace('_', '/');
            b64 += new string('=', (4 - b64.Length % 4) % 4);
            var raw = Encoding.UTF8.GetString(Convert.FromBase64String(b64));
            var colon = raw.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || !long.TryParse(raw[..colon], NumberStyles.None, CultureInfo.InvariantCulture, out var ms)) return false;
            var id = raw[(colon + 1)..];
            if (!Ids.LooksValid(id)) return false;
            cursor = new PageCursor(ms, id);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>Reads <c>limit</c> and <c>cursor</c>; adds 422 entries for bad values.</summary>
    public static (int Limit, PageCursor? After) Read(HttpRequest request, ValidationErrors errors)
    {
        var limit = Paging.LimitDefault;
        if (request.Query.TryGetValue("limit", out var l) && !(int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out limit)
                && limit is >= 1 and <= Paging.LimitMax))
        {
            errors.Add("limit", $"The limit must be between 1 and {Paging.LimitMax}.");
            limit = Paging.LimitDefault;
        }
        if (!TryDecode(request.Query["cursor"], out var after))
            errors.Add("cursor", "The cursor is not one this API returned.");
        return (limit, after);
    }

    /// <summary>Sets the next-page headers when the page is full.</summary>
    public static void SetNext(HttpContext http, int count, int limit, PageCursor? last)
    {
        if (count < limit || last is null) return;
        var cursor = Encode(last);
        http.Response.Headers["X-Next-Cursor"] = cursor;
        var query = http.Request.Query.Where(q => q.Key is not "cursor").Select(q => $"{q.Key}={Uri.EscapeDataString(q.Value.ToString())}")
            .Append($"cursor={cursor}");
        http.Response.Headers.Link = $"<{http.Request.Path}?{string.Join('&', query)}>; rel=\"next\"";
    }

    public static bool TryReadTime(HttpRequest request, string name, ValidationErrors errors, out DateTimeOffset? value)
    {
        value = null;
        if (!request.Query.TryGetValue(name, out var text)) return true;
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds <= 253_402_300_799)
        {
            value = DateTimeOffset.FromUnixTimeSeconds(seconds);
            return true;
        }
        errors.Add(name, $"{name} must be a unix time in seconds.");
        return false;
    }

    public static bool ReadBool(HttpRequest request, string name, ValidationErrors errors)
    {
        if (!request.Query.TryGetValue(name, out var text)) return false;
        if (bool.TryParse(text, out var value)) return value;
        errors.Add(name, $"{name} must be true or false.");
        return false;
    }
}
