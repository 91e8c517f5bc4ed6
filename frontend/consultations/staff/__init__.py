"""The consultations' staff pages (making and running a consultation, publishing the response)."""
