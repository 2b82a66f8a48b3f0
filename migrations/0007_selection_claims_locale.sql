-- The language a relying party asked for in its latest authorization request of a grant
-- (claims_locales, else ui_locales). Tokens are issued later at the token endpoint, whose
-- requests carry no language, so the choice is kept with the grant's selection; null means
-- "the person's preferred language".
ALTER TABLE mandate_selections ADD COLUMN claims_locale text
  CONSTRAINT mandate_selections_claims_locale_check CHECK (claims_locale IN ('nl', 'fr', 'de', 'en'));
