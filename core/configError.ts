import * as pulumi from "@pulumi/pulumi";

/**
 * Thrown for any bad configuration value; the message is meant for a trainee.
 * A RunError makes `pulumi up` print just the message, without a stack trace.
 */
export class ConfigError extends pulumi.RunError {
    constructor(message: string) {
        super(message);
        this.name = "ConfigError";
    }
}
