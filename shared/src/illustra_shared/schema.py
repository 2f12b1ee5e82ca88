"""The field names of the three stages' results, as the API returns them and the corpus scores them."""

BASIC_FIELDS = (
    "insured_name",
    "gender",
    "issue_age",
    "smoker",
    "insurer",
    "product_name",
    "currency",
    "sum_assured",
    "annual_premium",
    "premium_term_years",
    "payment_mode",
    "coverage_to_age",
)
ROW_FIELDS = (
    "policy_year",
    "age",
    "total_premiums_paid",
    "guaranteed_cash_value",
    "non_guaranteed_value",
    "total_surrender_value",
    "death_benefit",
)
SUMMARY_FIELDS = ("proposal_date", "valid_until", "breakeven_year", "key_points", "overview")
