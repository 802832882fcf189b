using Payouts.Contracts.Wire;
using Payouts.Core.Bitcoin;
using Payouts.Rails;
using Payouts.Rails.Lightning;

namespace Payouts.Server.Endpoints;

/// <summary>The rails API's connection test for a Lightning node: who it is, which chain, and what would stop it paying.</summary>
public static class LightningRailTest
{
    public static async Task<RailTestData> Run(RailRegistry registry, LightningRailSettings settings, CancellationToken ct)
    {
        var type = settings.TypeName;
        LightningNodeInfo info;
        try
        {
            info = await registry.LightningNode(settings).GetInfo(ct);
        }
        catch (Exception ex) when (ex is LightningRefusedException or LightningUnavailableException or LndErrorException or ClnRpcException
                                       or HttpRequestException or TimeoutException or IOException or System.Text.Json.JsonException)
        {
            var problem = ex switch
            {
                LightningRefusedException { Refusal: LightningRefusal.Unauthorized } or LndErrorException { Refusal: LightningRefusal.Unauthorized } =>
                    $"the node refused the credentials ({(settings.Kind == LightningNodeKind.LndRest ? "macaroon" : "rune")}): {ex.Message}",
                LightningUnavailableException { InnerException: HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError } } =>
                    $"the node's TLS certificate is not trusted (check certthumbprint): {ex.Message}",
                _ => ex.Message,
            };
            return new RailTestData(false, type, null, null, null, null, null, null, [problem]);
        }
        var problems = new List<string>();
        var expected = BitcoinNetworks.Name(settings.Network);
        if (info.Network != expected) problems.Add($"the node is on {info.Network}, but this rail is configured for {expected}");
        if (!info.Synced) problems.Add("the node is not synced to the chain yet");
        if (info.ActiveChannels == 0) problems.Add("the node has no active channel: it cannot pay");
        return new RailTestData(problems.Count == 0, type, info.Network, info.BlockHeight, null, info.Alias, info.ChannelBalance, null, problems,
            info.NodeId, info.Version, info.ActiveChannels);
    }
}
