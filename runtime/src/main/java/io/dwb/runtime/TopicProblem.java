package io.dwb.runtime;

/**
 * Something wrong with an existing topic. A {@link Severity#REFUSAL} stops the process (the topic would lose data); a
 * {@link Severity#WARNING} is logged and the process goes on.
 *
 * @param setting the topic setting or option at fault, as a person would look it up
 */
public record TopicProblem(String topic, String setting, Subject subject, Severity severity, String message) {
    public enum Severity { WARNING, REFUSAL }

    /** What is wrong: a setting anyone with the right may change at any time, or the topic's making. */
    public enum Subject {
        /** One of the topic's settings ({@code cleanup.policy}, ...), or that they cannot be read: watched. */
        SETTING,
        /** Whether it exists, its partitions and replicas: the creator's choice, judged at a start only. */
        LAYOUT
    }
}
