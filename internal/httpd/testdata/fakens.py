"""A small rpcinterface for the differential tests.

Mounted in the reference supervisord as [rpcinterface:fake] with
supervisor.rpcinterface_factory = fakens:make; the Go tests mount a Go
namespace with the same methods, help texts and behaviour (fakeNamespace in
../fake_test.go and ../../rpc/fake_test.go), so both servers must answer
every request identically.
"""
from supervisor.xmlrpc import RPCError, Faults


class Fake:
    def echo(self, x):
        """ Echo x back

        @param string x The value
        @return string result The same value
        """
        return x

    def add(self, a, b=1):
        """ @param int a
        @param int b
        @return int sum"""
        return a + b

    def fail(self):
        """ @return boolean never """
        raise RPCError(Faults.BAD_NAME, 'nope')

    def boom(self):
        raise ValueError('kaboom')

    def none(self):
        return None

    def _private(self):
        return 1


def make(supervisord, **config):
    return Fake()
