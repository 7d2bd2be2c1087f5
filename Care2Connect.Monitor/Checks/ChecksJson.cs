using System.Text.Json;
using System.Text.Json.Serialization;

namespace Care2Connect.Monitor.Checks;

/// <summary>
/// The JSON the checks read and write, serialized by code generated at build time (web defaults: camelCase): the
/// API's status answer (read as a document), the recovery request, and the maintenance endpoint's body and answer.
/// Reflection-based serialization is off for the Monitor (<c>JsonSerializerIsReflectionEnabledByDefault</c>), so a
/// shape missing here fails in every test that touches it, as it would in the natively compiled Monitor.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(RecoverRequest))]
[JsonSerializable(typeof(MaintenanceRequest))]
[JsonSerializable(typeof(MaintenanceStatus))]
internal sealed partial class ChecksJson : JsonSerializerContext;

/// <summary>The body of the Monitor's <c>POST /health/recover</c>.</summary>
internal sealed record RecoverRequest(string Reason, IReadOnlyList<string> Components);
