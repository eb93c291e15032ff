import concurrent.futures
import queue
import unittest

from support import GrinderCase
import workgrinder
from workgrinder import errors
from workgrinder import Grinder


class StatusMappingTest(GrinderCase):
    EXPECTED = {
        errors.EINVAL: (errors.InvalidArgumentError, ValueError, "WG_EINVAL"),
        errors.ENOTSTARTED: (errors.NotStartedError, RuntimeError, "WG_ENOTSTARTED"),
        errors.ESTOPPING: (errors.StoppingError, RuntimeError, "WG_ESTOPPING"),
        errors.EWRONGTHREAD: (errors.WrongThreadError, RuntimeError, "WG_EWRONGTHREAD"),
        errors.ECANCELED: (errors.CanceledError, concurrent.futures.CancelledError, "WG_ECANCELED"),
        errors.ETIMEDOUT: (errors.TimedOutError, TimeoutError, "WG_ETIMEDOUT"),
        errors.EFULL: (errors.FullError, queue.Full, "WG_EFULL"),
        errors.ENOMEM: (errors.NoMemoryError, MemoryError, "WG_ENOMEM"),
        errors.EWORK: (errors.WorkError, workgrinder.WorkGrinderError, "WG_EWORK"),
        errors.ELEASE: (errors.LeaseError, RuntimeError, "WG_ELEASE"),
        errors.EUNAVAILABLE: (errors.UnavailableError, RuntimeError, "WG_EUNAVAILABLE"),
        errors.EALREADY: (errors.AlreadyError, concurrent.futures.InvalidStateError, "WG_EALREADY"),
        errors.ENOKEY: (errors.UnknownKeyError, ValueError, "WG_ENOKEY"),
    }

    def test_every_status_maps_to_its_exception(self):
        self.assertEqual(set(self.EXPECTED), set(range(-13, 0)))
        for status, (cls, builtin, name) in self.EXPECTED.items():
            e = errors.error_for(status)
            self.assertIs(type(e), cls)
            self.assertIsInstance(e, builtin)
            self.assertIsInstance(e, workgrinder.WorkGrinderError)
            self.assertNotIsInstance(e, workgrinder.GrinderClosedError)
            self.assertEqual((e.status, e.name), (status, name))
            self.assertTrue(str(e).startswith(name + ": ") and len(str(e)) > len(name) + 2, str(e))
        self.assertEqual(str(errors.error_for(errors.ENOKEY)), "WG_ENOKEY: unknown configuration key")
        self.assertEqual(errors.error_for(-99).status, -99)

    def test_statuses_met_in_practice(self):
        with self.assertRaises(ValueError) as cm:  # WG_EINVAL before WG_ENOKEY existed, WG_ENOKEY after
            Grinder(no_such_key=1)
        self.assertIn(cm.exception.name, ("WG_EINVAL", "WG_ENOKEY"))
        with Grinder(batch_size_threshold=100, max_wait_seconds=600, max_pending=1) as g:
            f = g.enqueue(int, 1)
            with self.assertRaises(errors.FullError):
                g.enqueue(int, 2)
            g.stop()
            self.assertEqual(f.result(0), 1)
            with self.assertRaises(errors.NotStartedError):
                g.submit(int, 3)


if __name__ == "__main__":
    unittest.main()
