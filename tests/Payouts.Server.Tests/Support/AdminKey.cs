namespace Payouts.Server.Tests.Support;

public static class AdminKey
{
    /// <summary>Given to every test node as Payouts:BootstrapAdminKey.</summary>
    public const string Secret = "test-admin-key-0123456789abcdef";
}
