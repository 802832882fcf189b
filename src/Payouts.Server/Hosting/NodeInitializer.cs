using Microsoft.Extensions.Options;
using Payouts.Core;
using Payouts.Core.Auth;
using Payouts.Core.Ports;
using Payouts.Storage;

namespace Payouts.Server.Hosting;

/// <summary>Work a node does before it serves: migrate the schema, then make sure an admin key exists.</summary>
public sealed class NodeInitializer(
    Database db, IPayoutsStore store, TimeProvider time, IOptions<PayoutsOptions> options, ILogger<NodeInitializer> logger)
{
    public async Task Run(CancellationToken ct)
    {
        var o = options.Value;
        ServerLog.NodeStarting(logger, o.ResolvedNodeId, o.ParsedRoles.ToString(), db.Provider.ToString());
        await Migrator.Migrate(db, time, logger, ct);
        await BootstrapAdminKey(o, ct);
    }

    private async Task BootstrapAdminKey(PayoutsOptions o, CancellationToken ct)
    {
        var configured = !string.IsNullOrEmpty(o.BootstrapAdminKey);
        var secret = configured ? o.BootstrapAdminKey! : ApiKey.NewSecret();
        var key = new ApiKey(Ids.New(), ApiKey.Hash(secret), "bootstrap admin", [Permissions.ServerAdmin], Bootstrap: true,
            time.GetUtcNow(), RevokedAt: null);
        if (!await store.ApiKeyCreateIfNone(key, ct))
            return;
        if (configured)
        {
            ServerLog.AdminKeyFromConfiguration(logger, key.Id);
            return;
        }
        ServerLog.AdminKeyCreated(logger, key.Id);
        // Straight to stdout, not through logging: the secret must not land in log pipelines.
        Console.Out.WriteLine($"Admin API key: {secret}");
        Console.Out.Flush();
    }
}
