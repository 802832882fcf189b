namespace Payouts.Core.Auth;

/// <summary>
/// Greenfield permission names and their hierarchy. A granted permission is either global ("btcpay.store.canviewpayouts")
/// or scoped to one store ("btcpay.store.canviewpayouts:STOREID").
/// </summary>
public static class Permissions
{
    public const string ServerAdmin = "btcpay.server.canmodifyserversettings";
    public const string StoreModifySettings = "btcpay.store.canmodifystoresettings";
    public const string StoreViewSettings = "btcpay.store.canviewstoresettings";
    public const string ManagePayouts = "btcpay.store.canmanagepayouts";
    public const string ViewPayouts = "btcpay.store.canviewpayouts";
    public const string ManagePullPayments = "btcpay.store.canmanagepullpayments";
    public const string CreatePullPayments = "btcpay.store.cancreatepullpayments";
    public const string CreateNonApprovedPullPayments = "btcpay.store.cancreatenonapprovedpullpayments";
    public const string ViewPullPayments = "btcpay.store.canviewpullpayments";

    /// <summary>Each permission and the permissions it directly includes.</summary>
    private static readonly Dictionary<string, string[]> Children = new(StringComparer.Ordinal)
    {
        [ServerAdmin] = [StoreModifySettings],
        [StoreModifySettings] = [StoreViewSettings, ManagePayouts, ManagePullPayments],
        [StoreViewSettings] = [ViewPayouts, ViewPullPayments],
        [ManagePayouts] = [ViewPayouts],
        [ViewPayouts] = [],
        [ManagePullPayments] = [CreatePullPayments],
        [CreatePullPayments] = [CreateNonApprovedPullPayments],
        [CreateNonApprovedPullPayments] = [ViewPullPayments],
        [ViewPullPayments] = [],
    };

    public static IEnumerable<string> Known => Children.Keys;

    public static bool IsKnown(string name) => Children.ContainsKey(name);

    /// <summary>Splits "name:storeId" into its parts; false when the name is unknown or the scope malformed.</summary>
    public static bool TryParse(string text, out string name, out string? storeId)
    {
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        name = colon < 0 ? text : text[..colon];
        storeId = colon < 0 ? null : text[(colon + 1)..];
        if (!IsKnown(name)) return false;
        if (storeId is not null && (name == ServerAdmin || !Ids.LooksValid(storeId))) return false;
        return true;
    }

    /// <summary>True when <paramref name="granted"/> includes <paramref name="required"/> for <paramref name="storeId"/>.</summary>
    public static bool Allows(IEnumerable<string> granted, string required, string? storeId)
    {
        foreach (var g in granted)
        {
            if (!TryParse(g, out var name, out var scope)) continue;
            if (scope is not null && (storeId is null || !string.Equals(scope, storeId, StringComparison.Ordinal))) continue;
            if (Includes(name, required)) return true;
        }
        return false;
    }

    public static bool Includes(string permission, string required)
    {
        if (permission == required) return true;
        return Children.TryGetValue(permission, out var children) && children.Any(c => Includes(c, required));
    }
}
