package io.bigfile.config;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The audit log: {@code bigfile.security.audit.*}. Changes, link creations and refused requests are
 * always audited.
 *
 * @param reads whether successful reads (content, file JSON, listings, revisions, transaction
 *     state) are audited too: one event per request
 */
@ConfigurationProperties("bigfile.security.audit")
public record AuditProperties(@DefaultValue("false") boolean reads) {}
