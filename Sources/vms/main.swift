print("vms")
