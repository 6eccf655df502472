#!/usr/bin/env python3
"""A freedesktop notification server for the end-to-end test.

Serves org.freedesktop.Notifications on the session bus given by
DBUS_SESSION_BUS_ADDRESS (the test's private bus), appends every
notification it is asked to show to LOG as one JSON line, and, with
--click-after SECONDS, clicks it: emits ActionInvoked(id, "default") as a
user clicking the notification's body would.

Needs the Debian packages python3-dbus and python3-gi (scripts/setup.sh
installs them for the tests).
"""

import argparse
import json
import sys

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

IFACE = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"


class Server(dbus.service.Object):
    def __init__(self, bus, log, click_after):
        super().__init__(bus, PATH)
        self.log = log
        self.click_after = click_after
        self.next_id = 1

    @dbus.service.method(IFACE, in_signature="", out_signature="as")
    def GetCapabilities(self):
        return ["actions", "body"]

    @dbus.service.method(IFACE, in_signature="", out_signature="ssss")
    def GetServerInformation(self):
        return ("daozhang-test-notifications", "daozhang", "1.0", "1.2")

    @dbus.service.method(IFACE, in_signature="susssasa{sv}i", out_signature="u")
    def Notify(self, app_name, replaces_id, icon, summary, body, actions, hints, timeout):
        nid = int(replaces_id) or self.next_id
        self.next_id = max(self.next_id, nid) + 1
        record = {
            "id": nid,
            "app_name": str(app_name),
            "summary": str(summary),
            "body": str(body),
            "actions": [str(a) for a in actions],
        }
        with open(self.log, "a", encoding="utf-8") as f:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
        if self.click_after is not None and "default" in record["actions"][::2]:
            GLib.timeout_add(int(self.click_after * 1000), self._click, nid)
        return dbus.UInt32(nid)

    @dbus.service.method(IFACE, in_signature="u", out_signature="")
    def CloseNotification(self, nid):
        self.NotificationClosed(nid, 3)

    @dbus.service.signal(IFACE, signature="us")
    def ActionInvoked(self, nid, action_key):
        pass

    @dbus.service.signal(IFACE, signature="uu")
    def NotificationClosed(self, nid, reason):
        pass

    def _click(self, nid):
        self.ActionInvoked(dbus.UInt32(nid), "default")
        self.NotificationClosed(dbus.UInt32(nid), 2)
        return False


def main():
    p = argparse.ArgumentParser()
    p.add_argument("log")
    p.add_argument("--click-after", type=float)
    a = p.parse_args()
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.SessionBus()
    name = dbus.service.BusName(IFACE, bus, do_not_queue=True)
    Server(bus, a.log, a.click_after)
    print("ready", flush=True)
    sys.stdout.flush()
    GLib.MainLoop().run()
    del name


if __name__ == "__main__":
    main()
