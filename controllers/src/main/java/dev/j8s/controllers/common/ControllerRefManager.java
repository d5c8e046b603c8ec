package dev.j8s.controllers.common;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.api.ClusterException;
import dev.j8s.api.client.PatchType;
import dev.j8s.api.client.ResourceClient;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Claims the children of one controller object, as upstream's ControllerRefManager: children it controls and
 * still selects are kept; children it controls but no longer selects are released (unless it is being deleted);
 * orphans it selects are adopted (unless it or they are being deleted), after one fresh read of the owner proves
 * it is still the same object and not being deleted. Adoption and release are strategic merge patches of
 * {@code metadata.ownerReferences} that carry the child's uid, so they apply to that object only. Not
 * thread-safe: one per sync.
 */
public final class ControllerRefManager<T extends HasMetadata> {

    private final ResourceClient<T> children;
    private final HasMetadata owner;
    private final OwnerReference ref;
    private final Predicate<T> selects;
    private final Supplier<Optional<? extends HasMetadata>> freshOwner;
    private String cannotAdopt;
    private boolean checked;

    /**
     * @param children   the client that patches children
     * @param owner      the controller object as the informer has it
     * @param apiVersion the owner's apiVersion ({@code apps/v1})
     * @param kind       the owner's kind ({@code ReplicaSet})
     * @param selects    whether the owner's selector matches a child
     * @param freshOwner a live read of the owner (not from the cache)
     */
    public ControllerRefManager(ResourceClient<T> children, HasMetadata owner, String apiVersion, String kind,
                                Predicate<T> selects, Supplier<Optional<? extends HasMetadata>> freshOwner) {
        this.children = children;
        this.owner = owner;
        this.ref = Owners.controllerRef(owner, apiVersion, kind);
        this.selects = selects;
        this.freshOwner = freshOwner;
    }

    /**
     * The candidates the owner now controls. Adoptions and releases that fail are retried by the next sync: the
     * first failure is thrown after every candidate was looked at.
     */
    public List<T> claim(List<T> candidates) {
        List<T> claimed = new ArrayList<>();
        RuntimeException first = null;
        for (T child : candidates) {
            try {
                if (claim(child)) {
                    claimed.add(child);
                }
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
        return claimed;
    }

    private boolean claim(T child) {
        Optional<OwnerReference> controller = Owners.controllerOf(child);
        if (controller.isPresent()) {
            if (!controller.get().getUid().equals(Owners.uid(owner))) {
                return false; // someone else's
            }
            if (selects.test(child)) {
                return true;
            }
            if (Owners.isDeleting(owner)) {
                return false;
            }
            release(child);
            return false;
        }
        if (Owners.isDeleting(owner) || !selects.test(child) || Owners.isDeleting(child)) {
            return false;
        }
        String ns = owner.getMetadata().getNamespace();
        if (ns != null && !ns.isEmpty() && !ns.equals(child.getMetadata().getNamespace())) {
            return false;
        }
        adopt(child);
        return true;
    }

    private void adopt(T child) {
        checkCanAdopt();
        ObjectNode patch = JsonNodeFactory.instance.objectNode();
        ObjectNode meta = patch.putObject("metadata");
        meta.putArray("ownerReferences").addObject().put("apiVersion", ref.getApiVersion()).put("kind", ref.getKind())
                .put("name", ref.getName()).put("uid", ref.getUid()).put("controller", true)
                .put("blockOwnerDeletion", true);
        meta.put("uid", Owners.uid(child));
        patchOwnerReferences(child, patch);
    }

    private void release(T child) {
        ObjectNode patch = JsonNodeFactory.instance.objectNode();
        ObjectNode meta = patch.putObject("metadata");
        meta.putArray("ownerReferences").addObject().put("$patch", "delete").put("uid", ref.getUid());
        meta.put("uid", Owners.uid(child));
        patchOwnerReferences(child, patch);
    }

    /** A strategic merge patch of the references; the child's uid in it makes it apply to that object only. */
    private void patchOwnerReferences(T child, ObjectNode patch) {
        try {
            children.patch(child.getMetadata().getNamespace() == null ? "" : child.getMetadata().getNamespace(),
                    child.getMetadata().getName(), PatchType.STRATEGIC_MERGE, patch.toString());
        } catch (ClusterException.NotFound gone) {
            // the child went away: nothing to claim
        }
    }

    /** Reads the owner once from the API: an owner replaced or being deleted must not adopt. */
    private void checkCanAdopt() {
        if (!checked) {
            checked = true;
            String ns = owner.getMetadata().getNamespace();
            String name = owner.getMetadata().getName();
            Optional<? extends HasMetadata> fresh = freshOwner.get();
            if (fresh.isEmpty()) {
                cannotAdopt = "original " + ns + "/" + name + " is gone: got uid , wanted " + Owners.uid(owner);
            } else if (!Owners.uid(fresh.get()).equals(Owners.uid(owner))) {
                cannotAdopt = "original " + ns + "/" + name + " is gone: got uid " + Owners.uid(fresh.get())
                        + ", wanted " + Owners.uid(owner);
            } else if (Owners.isDeleting(fresh.get())) {
                cannotAdopt = ns + "/" + name + " has just been deleted at "
                        + fresh.get().getMetadata().getDeletionTimestamp();
            }
        }
        if (cannotAdopt != null) {
            throw new IllegalStateException("can't adopt " + children.kind().kind() + ": " + cannotAdopt);
        }
    }
}
