"""Topic IDs (spec/topics.yml) that the understanding rules and the aspect cues both single out by
name: one definition each, so the two modules cannot drift apart."""

# Whom to contact: the bureau's address and numbers.
CONTACT_TOPIC = "contact"
# Permits for a talent's family members and domestic helpers.
FAMILY_TOPIC = "family_permits"
# The work permit and the residence permit together ("single window", "two-in-one").
COMBINED_TOPIC = "work_residence_permit"
# The talent policy system ("1+1+N", the Pearl Plan and the other programmes).
POLICY_TOPIC = "talent_policy_system"
