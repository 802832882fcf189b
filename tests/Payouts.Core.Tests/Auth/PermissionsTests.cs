using Payouts.Core.Auth;
using static Payouts.Core.Auth.Permissions;

namespace Payouts.Core.Tests.Auth;

public sealed class PermissionsTests
{
    /// <summary>
    /// Each permission and everything it grants, itself included, written out in full rather than walked from the
    /// hierarchy, so a wrong edge in <see cref="Permissions"/> shows up as a wrong answer here.
    /// </summary>
    private static readonly Dictionary<string, string[]> Grants = new(StringComparer.Ordinal)
    {
        [ServerAdmin] =
        [
            ServerAdmin, StoreModifySettings, StoreViewSettings, ManagePayouts, ViewPayouts,
            ManagePullPayments, CreatePullPayments, CreateNonApprovedPullPayments, ViewPullPayments,
        ],
        [StoreModifySettings] =
        [
            StoreModifySettings, StoreViewSettings, ManagePayouts, ViewPayouts,
            ManagePullPayments, CreatePullPayments, CreateNonApprovedPullPayments, ViewPullPayments,
        ],
        [StoreViewSettings] = [StoreViewSettings, ViewPayouts, ViewPullPayments],
        [ManagePayouts] = [ManagePayouts, ViewPayouts],
        [ViewPayouts] = [ViewPayouts],
        [ManagePullPayments] = [ManagePullPayments, CreatePullPayments, CreateNonApprovedPullPayments, ViewPullPayments],
        [CreatePullPayments] = [CreatePullPayments, CreateNonApprovedPullPayments, ViewPullPayments],
        [CreateNonApprovedPullPayments] = [CreateNonApprovedPullPayments, ViewPullPayments],
        [ViewPullPayments] = [ViewPullPayments],
    };

    public static TheoryData<string, string> EveryPair()
    {
        var data = new TheoryData<string, string>();
        foreach (var granted in Grants.Keys)
            foreach (var required in Grants.Keys)
                data.Add(granted, required);
        return data;
    }

    [Fact]
    public void KnownPermissionsAreExactlyTheGreenfieldNames()
    {
        Assert.Equal(Grants.Keys.Order(StringComparer.Ordinal), Permissions.Known.Order(StringComparer.Ordinal));
        Assert.All(Permissions.Known, p => Assert.StartsWith("btcpay.", p, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(EveryPair))]
    public void IncludesFollowsHierarchy(string granted, string required)
    {
        Assert.Equal(Grants[granted].Contains(required), Permissions.Includes(granted, required));
    }

    [Theory]
    [MemberData(nameof(EveryPair))]
    public void GlobalGrantAppliesToEveryStoreAndToServerScope(string granted, string required)
    {
        var expected = Grants[granted].Contains(required);

        Assert.Equal(expected, Permissions.Allows([granted], required, "store1"));
        Assert.Equal(expected, Permissions.Allows([granted], required, "store2"));
        Assert.Equal(expected, Permissions.Allows([granted], required, storeId: null));
    }

    [Fact]
    public void StoreScopedGrantAppliesOnlyToThatStore()
    {
        string[] granted = [ManagePayouts + ":store1"];

        Assert.True(Permissions.Allows(granted, ManagePayouts, "store1"));
        Assert.True(Permissions.Allows(granted, ViewPayouts, "store1"));
        Assert.False(Permissions.Allows(granted, ViewPayouts, "store2"));
        Assert.False(Permissions.Allows(granted, ViewPayouts, storeId: null));
        Assert.False(Permissions.Allows(granted, ViewPayouts, "Store1")); // store ids are compared exactly
        Assert.False(Permissions.Allows(granted, ManagePullPayments, "store1"));
    }

    [Fact]
    public void ScopedGrantsAddUp()
    {
        string[] granted = [ViewPayouts + ":store1", ManagePullPayments + ":store2"];

        Assert.True(Permissions.Allows(granted, ViewPayouts, "store1"));
        Assert.False(Permissions.Allows(granted, ViewPayouts, "store2"));
        Assert.True(Permissions.Allows(granted, CreatePullPayments, "store2"));
        Assert.False(Permissions.Allows(granted, CreatePullPayments, "store1"));
    }

    [Fact]
    public void UnknownAndMalformedGrantsAreIgnored()
    {
        string[] granted =
        [
            "btcpay.store.cansomethingnew",
            "btcpay.store.canviewpayouts:bad store",
            "btcpay.store.canviewpayouts:",
            ServerAdmin + ":store1", // the server permission has no store scope
            "BTCPAY.STORE.CANVIEWPAYOUTS",
            "",
        ];

        Assert.All(Grants.Keys, required => Assert.False(Permissions.Allows(granted, required, "store1")));
        Assert.True(Permissions.Allows([.. granted, ViewPullPayments], ViewPullPayments, "store1"));
    }

    [Fact]
    public void NoGrantsAllowNothing()
    {
        Assert.False(Permissions.Allows([], ViewPayouts, "store1"));
    }

    [Theory]
    [InlineData("btcpay.store.canviewpayouts", true, "btcpay.store.canviewpayouts", null)]
    [InlineData("btcpay.store.canviewpayouts:store-1_A", true, "btcpay.store.canviewpayouts", "store-1_A")]
    [InlineData("btcpay.server.canmodifyserversettings", true, "btcpay.server.canmodifyserversettings", null)]
    [InlineData("btcpay.server.canmodifyserversettings:store1", false, null, null)]
    [InlineData("btcpay.store.canviewpayouts:a:b", false, null, null)]
    [InlineData("btcpay.store.unknown", false, null, null)]
    public void TryParseSplitsNameAndStore(string text, bool ok, string? name, string? storeId)
    {
        Assert.Equal(ok, Permissions.TryParse(text, out var parsedName, out var parsedStore));
        if (!ok) return;
        Assert.Equal(name, parsedName);
        Assert.Equal(storeId, parsedStore);
    }
}
