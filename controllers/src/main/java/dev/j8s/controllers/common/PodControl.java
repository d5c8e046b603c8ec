package dev.j8s.controllers.common;

import dev.j8s.api.ClusterException;
import dev.j8s.api.client.DeleteOptions;
import dev.j8s.api.client.ResourceClient;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Creates and deletes a controller's pods with upstream's events (controller.RealPodControl):
 * {@code SuccessfulCreate "Created pod: <pod>"}, {@code FailedCreate "Error creating: <err>"},
 * {@code SuccessfulDelete "Deleted pod: <pod>"}, {@code FailedDelete "Error deleting: <err>"}. Thread-safe.
 */
public final class PodControl {

    private final ResourceClient<Pod> pods;
    private final EventRecorder events;

    public PodControl(ResourceClient<Pod> pods, EventRecorder events) {
        this.pods = pods;
        this.events = events;
    }

    /**
     * A pod from a template (its labels, annotations, finalizers and spec), named by the server after
     * {@code <owner>-}, with a controller reference to {@code owner}.
     */
    public static Pod fromTemplate(PodTemplateSpec template, HasMetadata owner, OwnerReference controllerRef) {
        Map<String, String> labels = template.getMetadata() == null || template.getMetadata().getLabels() == null
                ? new HashMap<>() : new HashMap<>(template.getMetadata().getLabels());
        Map<String, String> annotations = template.getMetadata() == null || template.getMetadata().getAnnotations() == null
                ? null : new HashMap<>(template.getMetadata().getAnnotations());
        List<String> finalizers = template.getMetadata() == null || template.getMetadata().getFinalizers() == null
                ? null : new ArrayList<>(template.getMetadata().getFinalizers());
        return new PodBuilder()
                .withNewMetadata()
                .withGenerateName(owner.getMetadata().getName() + "-")
                .withNamespace(owner.getMetadata().getNamespace())
                .withLabels(labels)
                .withAnnotations(annotations)
                .withFinalizers(finalizers)
                .withOwnerReferences(controllerRef)
                .endMetadata()
                .withSpec(Hashes.copy(template.getSpec(), io.fabric8.kubernetes.api.model.PodSpec.class))
                .build();
    }

    /** Creates the pod; records the event on {@code owner}. Raises the API's error after recording it. */
    public Pod create(Pod pod, HasMetadata owner) {
        try {
            Pod created = pods.create(pod);
            events.event(owner, EventRecorder.NORMAL, "SuccessfulCreate", "Created pod: " + created.getMetadata().getName());
            return created;
        } catch (ClusterException e) {
            events.event(owner, EventRecorder.WARNING, "FailedCreate", "Error creating: " + detail(e));
            throw e;
        }
    }

    /**
     * Deletes the pod (with its uid as precondition, so a pod of the same name made meanwhile is spared); a pod
     * already gone counts as deleted. Records the event on {@code owner}.
     */
    public void delete(Pod pod, HasMetadata owner) {
        String ns = pod.getMetadata().getNamespace();
        String name = pod.getMetadata().getName();
        try {
            pods.delete(ns, name, DeleteOptions.defaults().withUid(Owners.uid(pod)));
            events.event(owner, EventRecorder.NORMAL, "SuccessfulDelete", "Deleted pod: " + name);
        } catch (ClusterException.NotFound gone) {
            // deleted already: the informer will say so
        } catch (ClusterException e) {
            events.event(owner, EventRecorder.WARNING, "FailedDelete", "Error deleting: " + detail(e));
            throw e;
        }
    }

    /** The server's message of an API error, without the action prefix the client adds. */
    public static String detail(ClusterException e) {
        String m = e.getMessage() == null ? "" : e.getMessage();
        int colon = m.indexOf(": ");
        return colon >= 0 ? m.substring(colon + 2) : m;
    }
}
