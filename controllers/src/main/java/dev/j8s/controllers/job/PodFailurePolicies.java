package dev.j8s.controllers.job;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicy;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyOnExitCodesRequirement;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyOnPodConditionsPattern;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Matches a failed pod against a Job's {@code podFailurePolicy}: the first rule whose exit codes (of a container
 * that terminated non-zero) or pod conditions match decides the action (upstream's {@code matchPodFailurePolicy}).
 * Stateless.
 */
final class PodFailurePolicies {

    /** The action of the matching rule and, for FailJob, the message the Job's condition carries. */
    record Match(String action, String message) {}

    private PodFailurePolicies() {}

    /** The match for a failed pod; empty when no rule matches (the failure counts). */
    static Optional<Match> match(PodFailurePolicy policy, Pod pod) {
        if (policy == null || policy.getRules() == null) {
            return Optional.empty();
        }
        List<PodFailurePolicyRule> rules = policy.getRules();
        for (int i = 0; i < rules.size(); i++) {
            PodFailurePolicyRule rule = rules.get(i);
            String action = rule.getAction();
            if (rule.getOnExitCodes() != null) {
                Optional<ContainerStatus> container = matchingContainer(rule.getOnExitCodes(), pod);
                if (container.isPresent()) {
                    return Optional.of(new Match(action, "Container " + container.get().getName() + " for pod "
                            + pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName()
                            + " failed with exit code " + container.get().getState().getTerminated().getExitCode()
                            + " matching " + action + " rule at index " + i));
                }
            } else if (rule.getOnPodConditions() != null) {
                for (PodFailurePolicyOnPodConditionsPattern pattern : rule.getOnPodConditions()) {
                    if (hasCondition(pod, pattern)) {
                        return Optional.of(new Match(action, "Pod " + pod.getMetadata().getNamespace() + "/"
                                + pod.getMetadata().getName() + " has condition " + pattern.getType() + " matching "
                                + action + " rule at index " + i));
                    }
                }
            }
        }
        return Optional.empty();
    }

    private static Optional<ContainerStatus> matchingContainer(PodFailurePolicyOnExitCodesRequirement req, Pod pod) {
        if (pod.getStatus() == null) {
            return Optional.empty();
        }
        List<ContainerStatus> statuses = new ArrayList<>();
        if (pod.getStatus().getInitContainerStatuses() != null) {
            statuses.addAll(pod.getStatus().getInitContainerStatuses());
        }
        if (pod.getStatus().getContainerStatuses() != null) {
            statuses.addAll(pod.getStatus().getContainerStatuses());
        }
        for (ContainerStatus s : statuses) {
            if (req.getContainerName() != null && !req.getContainerName().equals(s.getName())) {
                continue;
            }
            if (s.getState() == null || s.getState().getTerminated() == null
                    || s.getState().getTerminated().getExitCode() == null) {
                continue;
            }
            int code = s.getState().getTerminated().getExitCode();
            if (code == 0) {
                continue; // a container that succeeded is no reason for a failure
            }
            boolean listed = req.getValues() != null && req.getValues().contains(code);
            if ("In".equals(req.getOperator()) == listed) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    private static boolean hasCondition(Pod pod, PodFailurePolicyOnPodConditionsPattern pattern) {
        if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return false;
        }
        for (PodCondition c : pod.getStatus().getConditions()) {
            String status = pattern.getStatus() == null ? "True" : pattern.getStatus();
            if (pattern.getType().equals(c.getType()) && status.equals(c.getStatus())) {
                return true;
            }
        }
        return false;
    }
}
