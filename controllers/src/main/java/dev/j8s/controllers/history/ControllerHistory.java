package dev.j8s.controllers.history;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.api.ClusterException;
import dev.j8s.api.client.DeleteOptions;
import dev.j8s.api.client.ResourceClient;
import dev.j8s.controllers.common.Hashes;
import dev.j8s.controllers.common.Owners;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.ControllerRevisionBuilder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The revisions of one kind of owner (upstream {@code history.NewHistory} with the owner's {@code getPatch}): a
 * revision stores {@code {"spec":{"template":{…,"$patch":"replace"}}}}, is named {@code <owner>-<hash>} (the owner
 * part cut to 223 characters) with the hash of the template and collision count, and carries the template's labels
 * plus {@code controller-revision-hash}. Thread-safe.
 */
public final class ControllerHistory {

    public static final String REVISION_HASH = "controller-revision-hash";

    private final ResourceClient<ControllerRevision> revisions;
    private final String apiVersion;
    private final String kind;

    public ControllerHistory(ResourceClient<ControllerRevision> revisions, String apiVersion, String kind) {
        this.revisions = revisions;
        this.apiVersion = apiVersion;
        this.kind = kind;
    }

    /** What a revision of {@code template} stores: the patch that puts the template back. */
    public static JsonNode revisionData(PodTemplateSpec template) {
        ObjectNode copy = (ObjectNode) Hashes.tree(template);
        copy.put("$patch", "replace");
        ObjectNode data = copy.objectNode();
        data.putObject("spec").set("template", copy);
        return data;
    }

    /** The template a revision holds. */
    public static PodTemplateSpec template(ControllerRevision revision) {
        ObjectNode template = (ObjectNode) Hashes.tree(revision.getData()).path("spec").path("template").deepCopy();
        template.remove("$patch");
        return Hashes.fromTree(template, PodTemplateSpec.class);
    }

    public static long revisionNumber(ControllerRevision cr) {
        return cr.getRevision() == null ? 0 : cr.getRevision();
    }

    /** The current revision and the others, as {@link #construct} found them. */
    public record Revisions(ControllerRevision update, List<ControllerRevision> all) {}

    /**
     * Finds or makes the revision of {@code template} among {@code owned} (the owner's claimed revisions): an
     * equal revision is reused (its number raised to max+1 when an older template came back, duplicates removed);
     * otherwise one is created with the next number. A name taken by another template raises
     * {@link ClusterException.AlreadyExists} after {@code collided} has raised the owner's collision count.
     */
    public Revisions construct(HasMetadata owner, PodTemplateSpec template, Integer collisionCount,
            List<ControllerRevision> owned, Runnable collided) {
        return construct(owner, template, collisionCount, owned, Map.of(), collided);
    }

    /** {@link #construct} whose new revision carries {@code annotations} (a DaemonSet's own, as upstream copies). */
    public Revisions construct(HasMetadata owner, PodTemplateSpec template, Integer collisionCount,
            List<ControllerRevision> owned, Map<String, String> annotations, Runnable collided) {
        JsonNode data = revisionData(template);
        List<ControllerRevision> all = new ArrayList<>(owned);
        List<ControllerRevision> equal = new ArrayList<>();
        for (ControllerRevision cr : owned) {
            if (Hashes.tree(cr.getData()).equals(data)) {
                equal.add(cr);
            }
        }
        long next = owned.stream().filter(cr -> !equal.contains(cr)).mapToLong(ControllerHistory::revisionNumber)
                .max().orElse(0) + 1;
        ControllerRevision update;
        if (equal.isEmpty()) {
            update = create(owner, template, data, next, collisionCount, annotations, collided);
            all.add(update);
        } else {
            equal.sort(Comparator.comparingLong(ControllerHistory::revisionNumber).reversed());
            update = equal.getFirst();
            for (ControllerRevision duplicate : equal.subList(1, equal.size())) {
                delete(duplicate);
                all.remove(duplicate);
            }
            if (revisionNumber(update) < next) {
                ControllerRevision copy = Hashes.copy(update, ControllerRevision.class);
                copy.setRevision(next);
                all.remove(update);
                update = revisions.update(copy);
                all.add(update);
            }
        }
        all.sort(Comparator.comparingLong(ControllerHistory::revisionNumber));
        return new Revisions(update, all);
    }

    private ControllerRevision create(HasMetadata owner, PodTemplateSpec template, JsonNode data, long revision,
            Integer collisionCount, Map<String, String> annotations, Runnable collided) {
        String hash = Hashes.computeHash(template, collisionCount);
        String ownerName = owner.getMetadata().getName();
        String name = (ownerName.length() > 223 ? ownerName.substring(0, 223) : ownerName) + "-" + hash;
        Map<String, String> labels = new HashMap<>(template.getMetadata() == null
                || template.getMetadata().getLabels() == null ? Map.of() : template.getMetadata().getLabels());
        labels.put(REVISION_HASH, hash);
        ControllerRevision cr = new ControllerRevisionBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(owner.getMetadata().getNamespace())
                .withLabels(labels)
                .withAnnotations(annotations.isEmpty() ? null : annotations)
                .withOwnerReferences(Owners.controllerRef(owner, apiVersion, kind))
                .endMetadata()
                .withData(Hashes.fromTree(data, Object.class))
                .withRevision(revision)
                .build();
        try {
            return revisions.create(cr);
        } catch (ClusterException.AlreadyExists e) {
            Optional<ControllerRevision> existing = revisions.get(owner.getMetadata().getNamespace(), name);
            if (existing.isPresent() && Hashes.tree(existing.get().getData()).equals(data)
                    && Owners.isControlledBy(existing.get(), Owners.uid(owner))) {
                return existing.get();
            }
            collided.run();
            throw e;
        }
    }

    /** Deletes the oldest revisions beyond {@code limit} among {@code unused} (those no pod runs). */
    public void truncate(List<ControllerRevision> unused, int limit) {
        List<ControllerRevision> sorted = new ArrayList<>(unused);
        sorted.sort(Comparator.comparingLong(ControllerHistory::revisionNumber));
        for (int i = 0; i < sorted.size() - limit; i++) {
            delete(sorted.get(i));
        }
    }

    /** Deletes a revision (by its uid, so a newer one of the same name is spared); gone already is fine. */
    public void delete(ControllerRevision cr) {
        try {
            revisions.delete(cr.getMetadata().getNamespace(), cr.getMetadata().getName(),
                    DeleteOptions.defaults().withUid(Owners.uid(cr)));
        } catch (ClusterException.NotFound gone) {
            // deleted already
        }
    }
}
