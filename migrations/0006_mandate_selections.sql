-- What a person chose for one application in one provider session: the mandate (entity and
-- capacity) and, where the application has several, the role. Keyed by oidc-provider's grant id
-- (one grant per session and client), so tokens issued from the grant carry the choice.
-- Kept while the grant lives; the session and sid let a revocation end exactly the sessions
-- that depend on the revoked mandate or role.
CREATE TABLE mandate_selections (
  grant_id    text PRIMARY KEY,
  person_id   text NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
  client_id   text NOT NULL REFERENCES applications (client_id) ON DELETE CASCADE,
  mandate_id  text NOT NULL REFERENCES mandates (id) ON DELETE CASCADE,
  role_code   text,
  session_uid text,
  sid         text,
  selected_at timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  FOREIGN KEY (client_id, role_code) REFERENCES application_roles (client_id, code) ON DELETE CASCADE
);

CREATE INDEX mandate_selections_person ON mandate_selections (person_id);
CREATE INDEX mandate_selections_mandate ON mandate_selections (mandate_id);
CREATE INDEX mandate_selections_expires ON mandate_selections (expires_at);
