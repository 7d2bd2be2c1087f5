using System.Text.Json;
using System.Text.Json.Serialization;

namespace Care2Connect.Monitor.Status;

/// <summary><c>GET /api/status</c>'s answer, serialized by code generated at build time (web defaults: camelCase).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(StatusResponse))]
internal sealed partial class StatusJson : JsonSerializerContext;
