package dev.j8s.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.PodStatus;
import java.util.List;

/**
 * The kubelet's pod status write as one JSON merge patch of {@code pods/status}, as the upstream status
 * manager patches (no read first): every top-level status field is sent, the absent ones as {@code null},
 * so the patch replaces the whole status, and {@code metadata.uid} rides along as the precondition (the API
 * server refuses the patch, uid being immutable, once the name belongs to another pod). Stateless, thread-safe.
 */
public final class PodStatusPatch {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  /** Every property of a PodStatus, so a patch can clear the ones the new status leaves out. */
  private static final List<String> STATUS_FIELDS = MAPPER.getSerializationConfig()
      .introspect(MAPPER.constructType(PodStatus.class)).findProperties().stream()
      .map(p -> p.getName()).filter(n -> !n.equals("additionalProperties")).toList();

  private PodStatusPatch() {}

  /** The patch for the pod {@code uid} whose new status, as a JSON tree, is {@code status} (only read). */
  public static ObjectNode of(String uid, ObjectNode status) {
    ObjectNode patch = JsonNodeFactory.instance.objectNode();
    patch.putObject("metadata").put("uid", uid);
    ObjectNode body = patch.putObject("status");
    for (String field : STATUS_FIELDS) {
      body.set(field, status.has(field) ? status.get(field) : NullNode.getInstance());
    }
    status.properties().forEach(e -> body.set(e.getKey(), e.getValue()));
    return patch;
  }
}
