"""Discord front end: a thin adapter over `retrieval.service.AnswerService`."""
