package io.dwb.runtime;

/**
 * Something wrong with an existing topic. A {@link Severity#REFUSAL} stops the process (the topic would lose data); a
 * {@link Severity#WARNING} is logged and the process goes on.
 *
 * @param setting the topic setting or option at fault, as a person would look it up
 */
public record TopicProblem(String topic, String setting, Severity severity, String message) {
    public enum Severity { WARNING, REFUSAL }
}
