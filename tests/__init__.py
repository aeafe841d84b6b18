from tests.clock import shift_from_environment

shift_from_environment()
